package sasl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Token is an OAUTHBEARER token and the SASL extensions (KIP-342) sent with
// it. Value is the bearer token as the broker expects it, usually a JWT.
type Token struct {
	Value      string
	Extensions map[string]string
}

// String hides the token value, and the extension values with it (an
// extension may carry something as sensitive as the token).
func (t Token) String() string {
	keys := make([]string, 0, len(t.Extensions))
	for k := range t.Extensions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "{[token redacted] extensions: [" + strings.Join(keys, " ") + "]}"
}

// GoString hides the token from %#v too.
func (t Token) GoString() string { return t.String() }

// TokenFunc returns the token to authenticate with. It is called for each
// authentication, under the Authenticate context; it should return a cached
// token while it is valid rather than fetch one every time.
type TokenFunc func(ctx context.Context) (Token, error)

// OAuthBearer returns the OAUTHBEARER mechanism (RFC 7628, as Kafka uses it:
// KIP-255, with extensions from KIP-342). The client's first message is
//
//	n,,\x01auth=Bearer <token>\x01<key>=<value>\x01...\x01\x01
//
// with the extensions sorted by key. An extension key is one or more ASCII
// letters and may not be "auth"; the token and the extension values are
// VCHAR, space, tab, CR or LF (RFC 7628 §3.1). A token that breaks these
// rules fails Authenticate without being sent.
//
// The broker's empty answer ends the exchange. A non-empty answer is its
// error (a JSON document, RFC 7628 §3.2.2): the session then answers with
// the single \x01 RFC 7628 §3.2.3 asks for and reports the error.
func OAuthBearer(token TokenFunc) Mechanism { return oauthBearerMechanism{token: token} }

type oauthBearerMechanism struct{ token TokenFunc }

func (oauthBearerMechanism) Name() string { return "OAUTHBEARER" }

// String and GoString keep fmt away from the token function's closure.
func (oauthBearerMechanism) String() string     { return "sasl.OAuthBearer" }
func (m oauthBearerMechanism) GoString() string { return m.String() }

func (m oauthBearerMechanism) Authenticate(ctx context.Context, _ string) (Session, []byte, error) {
	t, err := m.token(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("sasl: OAUTHBEARER: getting the token: %w", err)
	}
	msg, err := oauthBearerFirstMessage(t)
	if err != nil {
		return nil, nil, err
	}
	return &oauthBearerSession{}, msg, nil
}

// oauthBearerFirstMessage builds the client's initial response (RFC 7628
// §3.1): gs2-header kvsep, the auth kvpair, the extension kvpairs, kvsep.
func oauthBearerFirstMessage(t Token) ([]byte, error) {
	if t.Value == "" {
		return nil, errors.New("sasl: OAUTHBEARER: the token is empty")
	}
	if i := badOAuthValueByte(t.Value); i >= 0 {
		return nil, fmt.Errorf("sasl: OAUTHBEARER: the token has byte 0x%02x at offset %d, which RFC 7628 does not allow", t.Value[i], i)
	}
	keys := make([]string, 0, len(t.Extensions))
	n := len("n,,\x01auth=Bearer \x01\x01") + len(t.Value)
	for k, v := range t.Extensions {
		if err := CheckExtension(k, v); err != nil {
			return nil, fmt.Errorf("sasl: %w", err)
		}
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	msg := make([]byte, 0, n)
	msg = append(msg, "n,,\x01auth=Bearer "...)
	msg = append(msg, t.Value...)
	msg = append(msg, 1)
	for _, k := range keys {
		msg = append(msg, k...)
		msg = append(msg, '=')
		msg = append(msg, t.Extensions[k]...)
		msg = append(msg, 1)
	}
	return append(msg, 1), nil
}

// CheckExtension reports whether key=value may be sent as an OAUTHBEARER
// extension (RFC 7628 §3.1): the key is one or more ASCII letters other than
// the reserved "auth", the value is VCHAR, space, tab, CR or LF. The error
// names the key, never the value.
func CheckExtension(key, value string) error {
	if key == "" {
		return errors.New("OAUTHBEARER extension key is empty")
	}
	if key == "auth" {
		return errors.New(`OAUTHBEARER extension key "auth" is reserved`)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i] | 0x20; c < 'a' || c > 'z' {
			return fmt.Errorf("OAUTHBEARER extension key %q has a character other than A-Z and a-z", key)
		}
	}
	if i := badOAuthValueByte(value); i >= 0 {
		return fmt.Errorf("OAUTHBEARER extension %q: value has byte 0x%02x at offset %d, which RFC 7628 does not allow", key, value[i], i)
	}
	return nil
}

// badOAuthValueByte returns the offset of the first byte of v that RFC 7628's
// value = *(VCHAR / SP / HTAB / CR / LF) does not allow, or -1.
func badOAuthValueByte(v string) int {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= 0x20 && c <= 0x7e, c == '\t', c == '\r', c == '\n':
		default:
			return i
		}
	}
	return -1
}

// oauthBearerSession waits for the broker's one answer.
type oauthBearerSession struct{ done bool }

func (s *oauthBearerSession) Challenge(challenge []byte) (bool, []byte, error) {
	if s.done {
		return true, nil, errors.New("sasl: OAUTHBEARER: challenged after the exchange ended")
	}
	s.done = true
	if len(challenge) == 0 {
		return true, nil, nil
	}
	// RFC 7628 §3.2.3: the client acknowledges the server's error with a
	// lone kvsep, and the server then fails the exchange.
	return true, []byte{1}, fmt.Errorf("sasl: OAUTHBEARER: the broker refused the token: %s", truncate(string(challenge), 1024))
}
