package sasl

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Plain returns the PLAIN mechanism (RFC 4616): the client's only message is
// "\x00user\x00password", with no authorization identity, and the broker's
// empty answer ends the exchange. creds is called on every Authenticate, so
// credentials changed in between apply to the next authentication.
//
// PLAIN sends the password as it is: use it over TLS (sasl_ssl).
func Plain(creds CredentialsFunc) Mechanism { return plainMechanism{creds: creds} }

type plainMechanism struct{ creds CredentialsFunc }

func (plainMechanism) Name() string { return "PLAIN" }

// String and GoString keep fmt away from the credentials function's closure.
func (plainMechanism) String() string     { return "sasl.Plain" }
func (m plainMechanism) GoString() string { return m.String() }

func (m plainMechanism) Authenticate(ctx context.Context, _ string) (Session, []byte, error) {
	c, err := m.creds(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("sasl: PLAIN: getting credentials: %w", err)
	}
	// RFC 4616 §2: authcid and passwd are one or more UTF-8 characters
	// other than NUL, which separates them on the wire.
	switch {
	case c.Username == "":
		return nil, nil, errors.New("sasl: PLAIN: the user name is empty")
	case c.Password == "":
		return nil, nil, errors.New("sasl: PLAIN: the password is empty")
	case strings.IndexByte(c.Username, 0) >= 0:
		return nil, nil, errors.New("sasl: PLAIN: the user name contains a NUL byte")
	case strings.IndexByte(c.Password, 0) >= 0:
		return nil, nil, errors.New("sasl: PLAIN: the password contains a NUL byte")
	}
	msg := make([]byte, 0, 2+len(c.Username)+len(c.Password))
	msg = append(msg, 0)
	msg = append(msg, c.Username...)
	msg = append(msg, 0)
	msg = append(msg, c.Password...)
	return &plainSession{}, msg, nil
}

// plainSession waits for the broker's one answer. A broker that refuses the
// credentials answers with an error code, not a message, so any answer
// (Kafka's is empty) ends the exchange.
type plainSession struct{ done bool }

func (s *plainSession) Challenge([]byte) (bool, []byte, error) {
	if s.done {
		return true, nil, errors.New("sasl: PLAIN: challenged after the exchange ended")
	}
	s.done = true
	return true, nil, nil
}
