package sasl

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The secrets a test hands to a mechanism; none may show up in what fmt
// prints of a mechanism, a session, a token or an error.
const (
	testPassword = "hunter2-SECRET-password"
	testToken    = "eyJSECRET.TOKEN.VALUE"
	testExtValue = "SECRET-extension-value"
)

func assertNoSecret(tb testing.TB, what string, v any) {
	tb.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, v)
		for _, secret := range []string{testPassword, testToken, testExtValue} {
			if strings.Contains(out, secret) {
				tb.Errorf("%s printed with %s shows a secret: %s", what, verb, out)
			}
		}
	}
}

func TestSecretsStayOutOfPrintedValues(t *testing.T) {
	ctx := context.Background()
	token := Token{Value: testToken, Extensions: map[string]string{"traceId": testExtValue}}
	assertNoSecret(t, "Token", token)
	assertNoSecret(t, "*Token", &token)
	assertNoSecret(t, "Credentials", Credentials{Username: "alice", Password: testPassword})

	plain := Plain(Static("alice", testPassword))
	assertNoSecret(t, "PLAIN mechanism", plain)
	sess, _, err := plain.Authenticate(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "PLAIN session", sess)

	bearer := OAuthBearer(staticToken(token))
	assertNoSecret(t, "OAUTHBEARER mechanism", bearer)
	sess, _, err = bearer.Authenticate(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "OAUTHBEARER session", sess)
	_, _, err = sess.Challenge([]byte(`{"status":"invalid_token"}`))
	assertNoSecret(t, "OAUTHBEARER server error", err)

	for _, mk := range []func(CredentialsFunc) Mechanism{ScramSHA256, ScramSHA512} {
		m := mk(Static("alice", testPassword))
		assertNoSecret(t, m.Name()+" mechanism", m)
		sess, _, err := m.Authenticate(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		assertNoSecret(t, m.Name()+" session before the server-first-message", sess)
	}

	srv := newScramServer(t, sha256.New, "alice", "other", 4096)
	m := ScramSHA256(Static("alice", testPassword))
	sess, first, err := m.Authenticate(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	_, final, err := sess.Challenge(srv.first(t, first))
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "SCRAM session after the proof", sess)
	_, _, err = sess.Challenge(srv.final(t, final))
	if err == nil {
		t.Fatal("a wrong password authenticated")
	}
	assertNoSecret(t, "SCRAM error", err)
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	ctx := context.Background()
	var errs []error
	for _, tok := range []Token{
		{Value: testToken + "\x01"},
		{Value: testToken, Extensions: map[string]string{"k": testExtValue + "\x00"}},
		{Value: testToken, Extensions: map[string]string{"auth": testExtValue}},
		{Value: testToken, Extensions: map[string]string{"k1": testExtValue}},
	} {
		_, _, err := OAuthBearer(staticToken(tok)).Authenticate(ctx, "b")
		errs = append(errs, err)
	}
	_, _, err := Plain(Static("alice", testPassword+"\x00")).Authenticate(ctx, "b")
	errs = append(errs, err)
	_, _, err = Plain(Static("", testPassword)).Authenticate(ctx, "b")
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: got no error", i)
		}
		assertNoSecret(t, fmt.Sprintf("error %d", i), err)
		assertNoSecret(t, fmt.Sprintf("unwrapped error %d", i), errors.Unwrap(err))
	}
}
