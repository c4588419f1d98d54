package sasl

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func staticToken(t Token) TokenFunc {
	return func(context.Context) (Token, error) { return t, nil }
}

func TestOAuthBearerFirstMessage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token Token
		want  string
	}{
		{"a token alone is auth=Bearer between kvseps",
			Token{Value: "eyJ.abc.def"},
			"n,,\x01auth=Bearer eyJ.abc.def\x01\x01"},
		{"extensions follow the token, sorted by key",
			Token{Value: "tok", Extensions: map[string]string{"traceId": "123", "logicalCluster": "lkc-1", "Z": ""}},
			"n,,\x01auth=Bearer tok\x01Z=\x01logicalCluster=lkc-1\x01traceId=123\x01\x01"},
		{"extension values may hold spaces, tabs, CR and LF",
			Token{Value: "tok", Extensions: map[string]string{"x": "a b\tc\r\nd"}},
			"n,,\x01auth=Bearer tok\x01x=a b\tc\r\nd\x01\x01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := OAuthBearer(staticToken(tc.token))
			_, first, err := m.Authenticate(context.Background(), "b")
			if err != nil {
				t.Fatal(err)
			}
			if string(first) != tc.want {
				t.Fatalf("got %q, want %q", first, tc.want)
			}
		})
	}
}

func TestOAuthBearerRefusesWhatRFC7628DoesNotAllow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token Token
		want  string
	}{
		{"an empty token is refused", Token{}, "the token is empty"},
		{"a token with a kvsep is refused", Token{Value: "a\x01b"}, "token has byte 0x01 at offset 1"},
		{"a token with a non-ASCII byte is refused", Token{Value: "é"}, "token has byte 0xc3 at offset 0"},
		{"the reserved key auth is refused", Token{Value: "t", Extensions: map[string]string{"auth": "x"}}, `extension key "auth" is reserved`},
		{"an empty key is refused", Token{Value: "t", Extensions: map[string]string{"": "x"}}, "extension key is empty"},
		{"a key with a digit is refused", Token{Value: "t", Extensions: map[string]string{"k1": "x"}}, `extension key "k1" has a character other than A-Z and a-z`},
		{"a key with an underscore is refused", Token{Value: "t", Extensions: map[string]string{"trace_id": "x"}}, `"trace_id" has a character other than`},
		{"a value with a kvsep is refused", Token{Value: "t", Extensions: map[string]string{"k": "a\x01"}}, `extension "k": value has byte 0x01 at offset 1`},
		{"a value with DEL is refused", Token{Value: "t", Extensions: map[string]string{"k": "\x7f"}}, `extension "k": value has byte 0x7f`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := OAuthBearer(staticToken(tc.token)).Authenticate(context.Background(), "b")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "sasl: OAUTHBEARER") {
				t.Errorf("error %q does not name the mechanism", err)
			}
		})
	}
}

func TestOAuthBearerEndsOnTheBrokersEmptyAnswer(t *testing.T) {
	sess, _, err := OAuthBearer(staticToken(Token{Value: "tok"})).Authenticate(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	done, resp, err := sess.Challenge(nil)
	if !done || len(resp) != 0 || err != nil {
		t.Fatalf("got done=%v resp=%q err=%v, want done and nothing to send", done, resp, err)
	}
	if _, _, err := sess.Challenge(nil); err == nil {
		t.Fatal("a Challenge after the exchange ended did not fail")
	}
}

func TestOAuthBearerAnswersTheBrokersErrorWithAKvsep(t *testing.T) {
	const serverErr = `{"status":"invalid_token","scope":"kafka","openid-configuration":"https://idp/.well-known"}`
	sess, _, err := OAuthBearer(staticToken(Token{Value: "tok"})).Authenticate(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	done, resp, err := sess.Challenge([]byte(serverErr))
	if !done || string(resp) != "\x01" {
		t.Fatalf("got done=%v resp=%q, want done and a lone 0x01 to send", done, resp)
	}
	if err == nil || !strings.Contains(err.Error(), serverErr) {
		t.Fatalf("got %v, want an error carrying the broker's JSON", err)
	}
}

func TestOAuthBearerPassesOnTheTokenError(t *testing.T) {
	sentinel := errors.New("idp down")
	m := OAuthBearer(func(context.Context) (Token, error) { return Token{}, sentinel })
	if _, _, err := m.Authenticate(context.Background(), "b"); !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want it to wrap %v", err, sentinel)
	}
}

func TestOAuthBearerAsksForTheTokenOnEveryAuthentication(t *testing.T) {
	calls := 0
	m := OAuthBearer(func(context.Context) (Token, error) {
		calls++
		return Token{Value: strings.Repeat("t", calls)}, nil
	})
	for _, want := range []string{"n,,\x01auth=Bearer t\x01\x01", "n,,\x01auth=Bearer tt\x01\x01"} {
		_, first, err := m.Authenticate(context.Background(), "b")
		if err != nil {
			t.Fatal(err)
		}
		if string(first) != want {
			t.Errorf("got %q, want %q", first, want)
		}
	}
}

func TestCheckExtensionAcceptsLettersAndPrintableValues(t *testing.T) {
	if err := CheckExtension("logicalCluster", "lkc-abc123 / {x}"); err != nil {
		t.Fatal(err)
	}
}
