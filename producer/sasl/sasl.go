// Package sasl is how kprod authenticates a connection with SASL: the
// Mechanism interface, and the mechanisms librdkafka has (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER) built on it.
//
// The producer picks a built-in mechanism from the sasl.mechanisms
// property. A mechanism librdkafka does not have (AWS MSK IAM, say) is
// given with producer.WithSASLMechanism; it goes through the same
// SaslHandshake / SaslAuthenticate exchange as the built-in ones:
//
//  1. SaslHandshake names Mechanism.Name();
//  2. Authenticate gives the client's first message, sent in a
//     SaslAuthenticate request;
//  3. each broker answer goes to Session.Challenge, until it reports done;
//     a non-empty response returned with done is sent first.
//
// A broker error code, or a connection the broker closes mid-exchange,
// ends the exchange as an authentication failure (librdkafka's
// _AUTHENTICATION), with the broker's message.
//
// Secrets stay secret: no mechanism, session, Token or error of this
// package shows a password or token when printed with fmt, in any verb.
package sasl

import "context"

// Mechanism is one SASL mechanism. It must be safe for concurrent use:
// every connection the producer opens, and every re-authentication
// (KIP-368), calls Authenticate for a session of its own.
type Mechanism interface {
	// Name is the mechanism as SaslHandshake names it, e.g. "PLAIN".
	Name() string
	// Authenticate starts an exchange with the broker at host (the host
	// part of its address) and returns the session and the client's first
	// message. ctx bounds the connection's setup
	// (socket.connection.setup.timeout.ms); a mechanism that fetches a
	// token or credentials does so under it.
	Authenticate(ctx context.Context, host string) (Session, []byte, error)
}

// Session is one exchange under way.
type Session interface {
	// Challenge takes the broker's latest message and returns the next one
	// to send. done reports that the client expects nothing more; a
	// non-empty response returned with done is still sent. An error ends
	// the exchange (a server signature that does not verify, say); a
	// non-empty response returned with an error is still sent first, as
	// OAUTHBEARER answers a server error with a lone 0x01 (RFC 7628
	// §3.2.3), and the exchange then fails with the error.
	Challenge(challenge []byte) (done bool, response []byte, err error)
}

// Credentials are a user name and password, for PLAIN and SCRAM.
type Credentials struct {
	Username string
	Password string
}

// String hides the password.
func (c Credentials) String() string { return "{" + c.Username + " [password redacted]}" }

// GoString hides the password from %#v too.
func (c Credentials) GoString() string { return c.String() }

// CredentialsFunc returns the credentials to authenticate with. It is called
// for each authentication, so credentials changed in between (the
// producer's SetSaslCredentials) take effect on the next one.
type CredentialsFunc func(ctx context.Context) (Credentials, error)

// Static returns a CredentialsFunc that always returns user and password.
func Static(user, password string) CredentialsFunc {
	c := Credentials{Username: user, Password: password}
	return func(context.Context) (Credentials, error) { return c, nil }
}
