package sasl

import (
	"context"
	"testing"
)

// FuzzScramServerMessages feeds arbitrary server-first and server-final
// messages to a SCRAM session: whatever a broker sends, the session must not
// panic, and must never call the exchange a success without a valid proof
// of the password (which random bytes cannot give).
func FuzzScramServerMessages(f *testing.F) {
	const nonce = "fuzznonce"
	f.Add([]byte("r=fuzznonceS,s=c2FsdA==,i=4096"), []byte("v=AAAA"))
	f.Add([]byte("e=unknown-user"), []byte(""))
	f.Add([]byte("m=x,r=fuzznonceS,s=c2FsdA==,i=4096"), []byte("e=x"))
	f.Add([]byte("r=fuzznonce,s=,i=-1"), []byte(",,,"))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		m := withNonce(t, ScramSHA256(Static("alice", "p")), nonce)
		sess, _, err := m.Authenticate(context.Background(), "b")
		if err != nil {
			t.Fatal(err)
		}
		done, _, err := sess.Challenge(first)
		if err != nil || done {
			if err == nil {
				t.Fatal("done after the server-first-message without an error")
			}
			return
		}
		if done, _, err := sess.Challenge(final); err == nil {
			t.Fatalf("server-final-message %q verified (done=%v)", final, done)
		}
	})
}
