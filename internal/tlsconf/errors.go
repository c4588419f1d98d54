package tlsconf

import (
	"errors"
	"strconv"
)

// Sentinels that every error from Build wraps, so a caller can tell a value
// Go cannot honour from a value that is wrong.
var (
	// ErrUnsupported marks a value librdkafka (through OpenSSL) accepts but
	// Go's crypto/tls cannot honour: an OpenSSL cipher keyword, an unknown
	// curve, any signature algorithm list. The producer reports it as
	// librdkafka's "not implemented".
	ErrUnsupported = errors.New("not supported by Go's crypto/tls")
	// ErrInvalid marks a configuration that is wrong whatever the TLS
	// library: a missing file, a key without a certificate, a wrong password.
	ErrInvalid = errors.New("invalid TLS configuration")
)

// Error is a property Build could not use. Errors.Is matches it against
// ErrUnsupported or ErrInvalid, and against the cause (for example
// fs.ErrNotExist or x509.IncorrectPasswordError).
//
// Its message names the property, and the value when the value is a path
// or a list; it never holds a password or the text of a key.
type Error struct {
	// Property is librdkafka's name, such as "ssl.ca.location".
	Property string
	// Value is the value shown quoted after the property; empty when the
	// value is secret or too long to show (passwords, PEM strings).
	Value string
	// Err is what went wrong.
	Err error
	// kind is ErrUnsupported or ErrInvalid.
	kind error
}

// Error reads `ssl.ca.location "/x": open /x: no such file or directory`.
func (e *Error) Error() string {
	s := e.Property
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the kind sentinel and the cause.
func (e *Error) Unwrap() []error { return []error{e.kind, e.Err} }

// invalid returns an ErrInvalid error for property (and value, if shown).
func invalid(property, value string, err error) *Error {
	return &Error{Property: property, Value: value, Err: err, kind: ErrInvalid}
}

// unsupported returns an ErrUnsupported error for property and value.
func unsupported(property, value string, err error) *Error {
	return &Error{Property: property, Value: value, Err: err, kind: ErrUnsupported}
}

// wrongPassword is the cause when a password does not decrypt what it
// should. It names what could not be decrypted, never the password, and
// unwraps to the library's own error (x509.IncorrectPasswordError,
// pkcs12.ErrIncorrectPassword) so a caller can test for either.
type wrongPassword struct {
	what  string // "ssl.key.location /path/key.pem" or "ssl.key.pem"
	cause error
}

func (e *wrongPassword) Error() string { return "cannot decrypt " + e.what + ": wrong password?" }

func (e *wrongPassword) Unwrap() error { return e.cause }
