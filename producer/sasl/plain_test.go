package sasl

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPlainFirstMessageIsNulUserNulPassword(t *testing.T) {
	m := Plain(Static("alice", "s3cret"))
	if got := m.Name(); got != "PLAIN" {
		t.Fatalf("Name: got %q, want PLAIN", got)
	}
	sess, first, err := m.Authenticate(context.Background(), "broker1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "\x00alice\x00s3cret"; string(first) != want {
		t.Fatalf("first message: got %q, want %q", first, want)
	}
	done, resp, err := sess.Challenge(nil)
	if !done || resp != nil || err != nil {
		t.Fatalf("Challenge(empty): got done=%v resp=%q err=%v, want done and nothing to send", done, resp, err)
	}
	if _, _, err := sess.Challenge(nil); err == nil {
		t.Fatal("a second Challenge after the exchange ended did not fail")
	}
}

func TestPlainAsksForCredentialsOnEveryAuthentication(t *testing.T) {
	calls := 0
	creds := func(context.Context) (Credentials, error) {
		calls++
		if calls == 1 {
			return Credentials{Username: "alice", Password: "old"}, nil
		}
		return Credentials{Username: "alice", Password: "new"}, nil
	}
	m := Plain(creds)
	for _, want := range []string{"\x00alice\x00old", "\x00alice\x00new"} {
		_, first, err := m.Authenticate(context.Background(), "b")
		if err != nil {
			t.Fatal(err)
		}
		if string(first) != want {
			t.Errorf("got %q, want %q", first, want)
		}
	}
}

func TestPlainRefusesCredentialsRFC4616DoesNotAllow(t *testing.T) {
	for _, tc := range []struct {
		name       string
		user, pass string
		want       string
	}{
		{"an empty user name is refused", "", "p", "user name is empty"},
		{"an empty password is refused", "u", "", "password is empty"},
		{"a NUL in the user name is refused", "u\x00x", "p", "user name contains a NUL"},
		{"a NUL in the password is refused", "u", "p\x00x", "password contains a NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Plain(Static(tc.user, tc.pass)).Authenticate(context.Background(), "b")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPlainPassesOnTheCredentialsError(t *testing.T) {
	sentinel := errors.New("vault sealed")
	m := Plain(func(context.Context) (Credentials, error) { return Credentials{}, sentinel })
	_, _, err := m.Authenticate(context.Background(), "b")
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want it to wrap %v", err, sentinel)
	}
}
