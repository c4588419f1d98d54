package sasl

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// The iteration counts a server-first-message may ask for. Kafka's brokers
// refuse SCRAM credentials with fewer than 4096 iterations (ScramMechanism's
// minimum), so a lower count is not Kafka's; the upper bound, librdkafka's,
// keeps a hostile server from making the client hash for minutes.
const (
	scramMinIterations = 4096
	scramMaxIterations = 1_000_000
)

// ScramSHA256 returns the SCRAM-SHA-256 mechanism (RFC 5802, RFC 7677). creds
// is called on every Authenticate, so credentials changed in between apply
// to the next authentication.
func ScramSHA256(creds CredentialsFunc) Mechanism {
	return &scramMechanism{name: "SCRAM-SHA-256", hash: sha256.New, creds: creds, nonce: randomNonce}
}

// ScramSHA512 returns the SCRAM-SHA-512 mechanism (RFC 5802 with SHA-512, as
// Kafka defines it). creds is called on every Authenticate.
func ScramSHA512(creds CredentialsFunc) Mechanism {
	return &scramMechanism{name: "SCRAM-SHA-512", hash: sha512.New, creds: creds, nonce: randomNonce}
}

type scramMechanism struct {
	name  string
	hash  func() hash.Hash
	creds CredentialsFunc
	// nonce makes the client nonce; tests fix it to replay RFC 7677's
	// example.
	nonce func() string
}

func (m *scramMechanism) Name() string { return m.name }

// String and GoString keep fmt away from the credentials function's closure.
func (m *scramMechanism) String() string   { return "sasl." + m.name }
func (m *scramMechanism) GoString() string { return m.String() }

// randomNonce is 32 random bytes, base64 without padding: printable, and
// free of the ',' that ends a SCRAM attribute.
func randomNonce() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// scramNameEscaper makes a user name a SCRAM saslname (RFC 5802 §5.1).
// SASLprep (RFC 4013) is not applied: librdkafka does not apply it either,
// and Kafka's broker does not normalize names, so the name goes as given.
var scramNameEscaper = strings.NewReplacer("=", "=3D", ",", "=2C")

func (m *scramMechanism) Authenticate(ctx context.Context, _ string) (Session, []byte, error) {
	c, err := m.creds(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("sasl: %s: getting credentials: %w", m.name, err)
	}
	if c.Username == "" {
		return nil, nil, fmt.Errorf("sasl: %s: the user name is empty", m.name)
	}
	nonce := m.nonce()
	s := &scramSession{
		mech:      m,
		password:  c.Password,
		nonce:     nonce,
		firstBare: "n=" + scramNameEscaper.Replace(c.Username) + ",r=" + nonce,
	}
	// gs2-header "n,,": no channel binding, no authorization identity.
	return s, []byte("n,," + s.firstBare), nil
}

// scramSession is one SCRAM exchange: the server-first-message comes to
// Challenge first, the server-final-message second.
type scramSession struct {
	mech      *scramMechanism
	password  string // cleared once the proof is made
	nonce     string
	firstBare string // client-first-message-bare, part of AuthMessage
	serverSig []byte // the ServerSignature the server-final-message must carry
	step      int    // 0: awaiting server-first; 1: awaiting server-final; 2: done
}

func (s *scramSession) String() string   { return "sasl." + s.mech.name + " session" }
func (s *scramSession) GoString() string { return s.String() }

func (s *scramSession) Challenge(challenge []byte) (bool, []byte, error) {
	switch s.step {
	case 0:
		resp, err := s.serverFirst(string(challenge))
		if err != nil {
			s.step = 2
			return true, nil, err
		}
		s.step = 1
		return false, resp, nil
	case 1:
		s.step = 2
		return true, nil, s.serverFinal(string(challenge))
	default:
		return true, nil, s.errorf("challenged after the exchange ended")
	}
}

func (s *scramSession) errorf(format string, args ...any) error {
	return fmt.Errorf("sasl: "+s.mech.name+": "+format, args...)
}

// serverFirst checks the server-first-message and answers with the
// client-final-message, which carries the proof that the client knows the
// password.
func (s *scramSession) serverFirst(msg string) ([]byte, error) {
	password := s.password
	s.password = ""
	attrs, err := scramAttrs(msg)
	if err != nil {
		return nil, s.errorf("server-first-message: %v", err)
	}
	if e, ok := attrs['e']; ok {
		return nil, s.errorf("the broker refused the authentication: %s", e)
	}
	if _, ok := attrs['m']; ok {
		return nil, s.errorf("server-first-message: unsupported mandatory extension")
	}
	nonce, ok := attrs['r']
	if !ok {
		return nil, s.errorf("server-first-message: no nonce (r)")
	}
	if len(nonce) <= len(s.nonce) || !strings.HasPrefix(nonce, s.nonce) {
		return nil, s.errorf("server-first-message: the server nonce does not extend the client's")
	}
	saltB64, ok := attrs['s']
	if !ok {
		return nil, s.errorf("server-first-message: no salt (s)")
	}
	salt, err := base64.StdEncoding.DecodeString(saltB64)
	if err != nil || len(salt) == 0 {
		return nil, s.errorf("server-first-message: invalid base64 salt")
	}
	itStr, ok := attrs['i']
	if !ok {
		return nil, s.errorf("server-first-message: no iteration count (i)")
	}
	iters, err := strconv.Atoi(itStr)
	switch {
	case err != nil:
		return nil, s.errorf("server-first-message: iteration count %q is not an integer", itStr)
	case iters < scramMinIterations:
		return nil, s.errorf("server-first-message: iteration count %d is below Kafka's minimum of %d", iters, scramMinIterations)
	case iters > scramMaxIterations:
		return nil, s.errorf("server-first-message: iteration count %d is above the maximum of %d", iters, scramMaxIterations)
	}

	h := s.mech.hash
	salted, err := pbkdf2.Key(h, password, salt, iters, h().Size())
	if err != nil {
		// Only FIPS 140-only mode refuses (a password or salt too short
		// for it); the error names no secret.
		return nil, s.errorf("salting the password: %v", err)
	}
	clientKey := scramHMAC(h, salted, "Client Key")
	storedKey := h()
	storedKey.Write(clientKey)
	// c=biws is base64("n,,"): the gs2-header sent in the first message.
	withoutProof := "c=biws,r=" + nonce
	authMessage := s.firstBare + "," + msg + "," + withoutProof
	clientSig := scramHMAC(h, storedKey.Sum(nil), authMessage)
	proof := clientKey
	for i := range proof {
		proof[i] ^= clientSig[i]
	}
	s.serverSig = scramHMAC(h, scramHMAC(h, salted, "Server Key"), authMessage)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// serverFinal checks that the server knows the password too: its
// ServerSignature must be the one computed with the client-final-message.
func (s *scramSession) serverFinal(msg string) error {
	attrs, err := scramAttrs(msg)
	if err != nil {
		return s.errorf("server-final-message: %v", err)
	}
	if e, ok := attrs['e']; ok {
		return s.errorf("the broker refused the authentication: %s", e)
	}
	v, ok := attrs['v']
	if !ok {
		return s.errorf("server-final-message: neither a verifier (v) nor an error (e)")
	}
	sig, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return s.errorf("server-final-message: invalid base64 verifier")
	}
	if !hmac.Equal(sig, s.serverSig) {
		return s.errorf("the server signature does not verify: the server does not know the password")
	}
	return nil
}

func scramHMAC(h func() hash.Hash, key []byte, msg string) []byte {
	mac := hmac.New(h, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}

// scramAttrs splits a server message into its attributes, "a=value" joined
// by ','. A SCRAM value never contains ',' (RFC 5802 §5.1), though it may
// contain '=' (base64). The first of a repeated attribute wins.
func scramAttrs(msg string) (map[byte]string, error) {
	attrs := make(map[byte]string, 4)
	for field := range strings.SplitSeq(msg, ",") {
		if len(field) < 2 || field[1] != '=' {
			return nil, fmt.Errorf("malformed attribute %q", truncate(field, 32))
		}
		if _, ok := attrs[field[0]]; !ok {
			attrs[field[0]] = field[2:]
		}
	}
	return attrs, nil
}

// truncate cuts s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
