package sasl

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"testing"
)

// withNonce returns the SCRAM mechanism m with its client nonce fixed.
func withNonce(tb testing.TB, m Mechanism, nonce string) Mechanism {
	tb.Helper()
	sm, ok := m.(*scramMechanism)
	if !ok {
		tb.Fatalf("%T is not a SCRAM mechanism", m)
	}
	c := *sm
	c.nonce = func() string { return nonce }
	return &c
}

// TestScramSHA256MatchesRFC7677 replays the example exchange of RFC 7677 §3.
func TestScramSHA256MatchesRFC7677(t *testing.T) {
	const (
		clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
		serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
		clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
		serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
	)
	m := withNonce(t, ScramSHA256(Static("user", "pencil")), "rOprNGfwEbeRWgbNEkqO")
	if got := m.Name(); got != "SCRAM-SHA-256" {
		t.Fatalf("Name: got %q, want SCRAM-SHA-256", got)
	}
	sess, first, err := m.Authenticate(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != clientFirst {
		t.Fatalf("client-first-message: got %q, want %q", first, clientFirst)
	}
	done, final, err := sess.Challenge([]byte(serverFirst))
	if err != nil || done {
		t.Fatalf("server-first-message: got done=%v err=%v, want a response", done, err)
	}
	if string(final) != clientFinal {
		t.Fatalf("client-final-message: got %q, want %q", final, clientFinal)
	}
	done, resp, err := sess.Challenge([]byte(serverFinal))
	if err != nil || !done || len(resp) != 0 {
		t.Fatalf("server-final-message: got done=%v resp=%q err=%v, want done", done, resp, err)
	}
}

func TestScramRoundTripsWithAServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		mech func(CredentialsFunc) Mechanism
		hash func() hash.Hash
		user string
	}{
		{"SCRAM-SHA-256 authenticates", ScramSHA256, sha256.New, "alice"},
		{"SCRAM-SHA-512 authenticates", ScramSHA512, sha512.New, "alice"},
		{"SCRAM-SHA-512 escapes ',' and '=' in the user name", ScramSHA512, sha512.New, "a=b,c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScramServer(t, tc.hash, tc.user, "correct horse", 4096)
			m := tc.mech(Static(tc.user, "correct horse"))
			if err := runScram(t, m, srv); err != nil {
				t.Fatal(err)
			}
			if srv.gotUser != tc.user {
				t.Errorf("server saw user %q, want %q", srv.gotUser, tc.user)
			}
		})
	}
}

func TestScramFailsWhenThePasswordIsWrong(t *testing.T) {
	srv := newScramServer(t, sha512.New, "alice", "right", 4096)
	err := runScram(t, ScramSHA512(Static("alice", "wrong")), srv)
	if err == nil || !strings.Contains(err.Error(), "invalid-proof") {
		t.Fatalf("got %v, want the server's invalid-proof error", err)
	}
}

func TestScramFailsWhenTheServerDoesNotKnowThePassword(t *testing.T) {
	// The server accepts any proof, but signs with another password: a
	// server that is not the one the credentials were given to.
	srv := newScramServer(t, sha512.New, "alice", "impostor", 4096)
	srv.acceptAnyProof = true
	err := runScram(t, ScramSHA512(Static("alice", "right")), srv)
	if err == nil || !strings.Contains(err.Error(), "server signature does not verify") {
		t.Fatalf("got %v, want a server signature mismatch", err)
	}
}

func TestScramAsksForCredentialsOnEveryAuthentication(t *testing.T) {
	srv := newScramServer(t, sha256.New, "alice", "new", 4096)
	calls := 0
	m := ScramSHA256(func(context.Context) (Credentials, error) {
		calls++
		if calls == 1 {
			return Credentials{Username: "alice", Password: "old"}, nil
		}
		return Credentials{Username: "alice", Password: "new"}, nil
	})
	if err := runScram(t, m, srv); err == nil {
		t.Fatal("the first authentication, with the old password, succeeded")
	}
	if err := runScram(t, m, srv); err != nil {
		t.Fatalf("the second authentication, with the new password: %v", err)
	}
}

func TestScramMakesAFreshNonceEachTime(t *testing.T) {
	m := ScramSHA512(Static("alice", "p"))
	_, a, err := m.Authenticate(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := m.Authenticate(context.Background(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatalf("two client-first-messages are the same: %q", a)
	}
	nonce := strings.TrimPrefix(string(a), "n,,n=alice,r=")
	if raw, err := base64.RawStdEncoding.DecodeString(nonce); err != nil || len(raw) != 32 {
		t.Fatalf("nonce %q: got %d bytes (err %v), want 32 random bytes in base64", nonce, len(raw), err)
	}
}

func TestScramRefusesABadServerFirstMessage(t *testing.T) {
	const nonce = "clientnonce"
	salt := base64.StdEncoding.EncodeToString([]byte("salt"))
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"a nonce that does not start with ours is refused", "r=othernonce123,s=" + salt + ",i=4096", "does not extend the client's"},
		{"a nonce that only repeats ours is refused", "r=" + nonce + ",s=" + salt + ",i=4096", "does not extend the client's"},
		{"a missing nonce is refused", "s=" + salt + ",i=4096", "no nonce"},
		{"a missing salt is refused", "r=" + nonce + "x,i=4096", "no salt"},
		{"a salt that is not base64 is refused", "r=" + nonce + "x,s=!!!,i=4096", "invalid base64 salt"},
		{"a missing iteration count is refused", "r=" + nonce + "x,s=" + salt, "no iteration count"},
		{"an iteration count that is not a number is refused", "r=" + nonce + "x,s=" + salt + ",i=many", "not an integer"},
		{"an iteration count below Kafka's 4096 is refused", "r=" + nonce + "x,s=" + salt + ",i=4095", "iteration count 4095 is below Kafka's minimum of 4096"},
		{"an iteration count above a million is refused", "r=" + nonce + "x,s=" + salt + ",i=1000001", "above the maximum"},
		{"a mandatory extension is refused", "m=ext,r=" + nonce + "x,s=" + salt + ",i=4096", "unsupported mandatory extension"},
		{"a malformed attribute is refused", "r=" + nonce + "x,garbage,s=" + salt + ",i=4096", "malformed attribute"},
		{"a server error is reported", "e=unknown-user", "the broker refused the authentication: unknown-user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := withNonce(t, ScramSHA256(Static("alice", "p")), nonce)
			sess, _, err := m.Authenticate(context.Background(), "b")
			if err != nil {
				t.Fatal(err)
			}
			done, resp, err := sess.Challenge([]byte(tc.msg))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if !done || resp != nil {
				t.Errorf("got done=%v resp=%q with the error, want done and nothing to send", done, resp)
			}
			if !strings.HasPrefix(err.Error(), "sasl: SCRAM-SHA-256: ") {
				t.Errorf("error %q does not name the mechanism", err)
			}
		})
	}
}

func TestScramRefusesABadServerFinalMessage(t *testing.T) {
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"a server error is reported with its message", "e=other-error", "the broker refused the authentication: other-error"},
		{"a verifier that is not base64 is refused", "v=!!!", "invalid base64 verifier"},
		{"a message with neither verifier nor error is refused", "x=1", "neither a verifier"},
		{"an empty message is refused", "", "malformed attribute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScramServer(t, sha256.New, "alice", "p", 4096)
			m := ScramSHA256(Static("alice", "p"))
			sess, first, err := m.Authenticate(context.Background(), "b")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := sess.Challenge(srv.first(t, first)); err != nil {
				t.Fatal(err)
			}
			done, _, err := sess.Challenge([]byte(tc.msg))
			if !done || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got done=%v err=%v, want done and an error containing %q", done, err, tc.want)
			}
			if _, _, err := sess.Challenge(nil); err == nil {
				t.Fatal("a Challenge after the exchange ended did not fail")
			}
		})
	}
}

func TestScramRefusesAnEmptyUserNameAndPassesOnCredentialErrors(t *testing.T) {
	if _, _, err := ScramSHA256(Static("", "p")).Authenticate(context.Background(), "b"); err == nil {
		t.Error("an empty user name was accepted")
	}
	sentinel := errors.New("vault sealed")
	m := ScramSHA512(func(context.Context) (Credentials, error) { return Credentials{}, sentinel })
	if _, _, err := m.Authenticate(context.Background(), "b"); !errors.Is(err, sentinel) {
		t.Errorf("got %v, want it to wrap %v", err, sentinel)
	}
}

// runScram runs a whole exchange between m and srv.
func runScram(tb testing.TB, m Mechanism, srv *scramServer) error {
	tb.Helper()
	sess, first, err := m.Authenticate(context.Background(), "b")
	if err != nil {
		return err
	}
	done, final, err := sess.Challenge(srv.first(tb, first))
	if err != nil {
		return err
	}
	if done {
		tb.Fatal("the client was done after the server-first-message")
	}
	done, resp, err := sess.Challenge(srv.final(tb, final))
	if err != nil {
		return err
	}
	if !done || len(resp) != 0 {
		tb.Fatalf("after the server-final-message: got done=%v resp=%q, want done", done, resp)
	}
	return nil
}

// scramServer is the server side of RFC 5802, for one exchange at a time.
type scramServer struct {
	hash           func() hash.Hash
	user           string
	salt           []byte
	iters          int
	storedKey      []byte
	serverKey      []byte
	acceptAnyProof bool

	gotUser     string
	firstBare   string // client-first-message-bare
	serverFirst string
	nonce       string // client nonce + server nonce
}

func newScramServer(tb testing.TB, h func() hash.Hash, user, password string, iters int) *scramServer {
	tb.Helper()
	salt := []byte("0123456789abcdef")
	salted, err := pbkdf2.Key(h, password, salt, iters, h().Size())
	if err != nil {
		tb.Fatal(err)
	}
	clientKey := testHMAC(h, salted, "Client Key")
	stored := h()
	stored.Write(clientKey)
	return &scramServer{
		hash: h, user: user, salt: salt, iters: iters,
		storedKey: stored.Sum(nil),
		serverKey: testHMAC(h, salted, "Server Key"),
	}
}

func (s *scramServer) first(tb testing.TB, clientFirst []byte) []byte {
	tb.Helper()
	bare, ok := strings.CutPrefix(string(clientFirst), "n,,")
	if !ok {
		tb.Fatalf("client-first-message %q does not start with the gs2-header n,,", clientFirst)
	}
	name, nonce, ok := strings.Cut(bare, ",")
	if !ok || !strings.HasPrefix(name, "n=") || !strings.HasPrefix(nonce, "r=") {
		tb.Fatalf("client-first-message-bare %q is not n=...,r=...", bare)
	}
	s.gotUser = strings.NewReplacer("=2C", ",", "=3D", "=").Replace(name[2:])
	s.firstBare = bare
	s.nonce = nonce[2:] + "SERVERNONCE"
	s.serverFirst = "r=" + s.nonce + ",s=" + base64.StdEncoding.EncodeToString(s.salt) + ",i=" + strconv.Itoa(s.iters)
	return []byte(s.serverFirst)
}

func (s *scramServer) final(tb testing.TB, clientFinal []byte) []byte {
	tb.Helper()
	withoutProof, proofB64, ok := strings.Cut(string(clientFinal), ",p=")
	if !ok {
		tb.Fatalf("client-final-message %q has no proof", clientFinal)
	}
	if want := "c=biws,r=" + s.nonce; withoutProof != want {
		tb.Fatalf("client-final-message-without-proof: got %q, want %q", withoutProof, want)
	}
	proof, err := base64.StdEncoding.DecodeString(proofB64)
	if err != nil {
		tb.Fatalf("proof %q: %v", proofB64, err)
	}
	if s.gotUser != s.user {
		return []byte("e=unknown-user")
	}
	authMessage := s.firstBare + "," + s.serverFirst + "," + withoutProof
	clientSig := testHMAC(s.hash, s.storedKey, authMessage)
	if len(proof) != len(clientSig) {
		return []byte("e=invalid-proof")
	}
	clientKey := make([]byte, len(proof))
	for i := range proof {
		clientKey[i] = proof[i] ^ clientSig[i]
	}
	h := s.hash()
	h.Write(clientKey)
	if !hmac.Equal(h.Sum(nil), s.storedKey) && !s.acceptAnyProof {
		return []byte("e=invalid-proof")
	}
	return []byte("v=" + base64.StdEncoding.EncodeToString(testHMAC(s.hash, s.serverKey, authMessage)))
}

func testHMAC(h func() hash.Hash, key []byte, msg string) []byte {
	mac := hmac.New(h, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}
