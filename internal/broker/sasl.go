package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/producer/sasl"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrAuthentication marks a SASL exchange the broker refused: a wrong
// password, an unknown user, a mechanism the listener does not enable.
// The producer reports it as librdkafka's _AUTHENTICATION.
var ErrAuthentication = errors.New("SASL authentication failed")

// authError is a failed SASL exchange: errors.Is(err, ErrAuthentication)
// holds, and its text is the reason alone (the ConnectError around it
// already says that authentication failed).
type authError struct{ err error }

func (e authError) Error() string        { return e.err.Error() }
func (e authError) Unwrap() error        { return e.err }
func (e authError) Is(target error) bool { return target == ErrAuthentication }

// authFailed returns an authError with a formatted reason.
func authFailed(format string, args ...any) error {
	return authError{fmt.Errorf(format, args...)}
}

// SASL returns the AuthenticateFunc that authenticates with m:
// SaslHandshake v1 naming the mechanism, then SaslAuthenticate requests
// carrying m's messages until m's session is done. It returns the session
// lifetime the broker granted (SaslAuthenticate v1+), for KIP-368.
//
// Brokers before Kafka 1.0 know only SaslHandshake v0, whose exchange is
// not framed as Kafka requests; kprod does not speak it and says so.
func SASL(m sasl.Mechanism) AuthenticateFunc {
	return func(ctx context.Context, c *Conn) (time.Duration, error) {
		return authenticate(ctx, c, m)
	}
}

func authenticate(ctx context.Context, c *Conn, m sasl.Mechanism) (time.Duration, error) {
	if v := c.MaxVersion(kmsg.SASLHandshake.Int16()); v < 1 {
		return 0, authFailed("the broker does not support SaslHandshake v1 (Kafka 1.0 or later), which kprod needs for SASL")
	}
	hreq := kmsg.NewPtrSASLHandshakeRequest()
	hreq.Version = 1
	hreq.Mechanism = m.Name()
	kresp, _, err := c.request(ctx, hreq, true)
	if err != nil {
		return 0, exchangeErr("SaslHandshake", err)
	}
	hresp := kresp.(*kmsg.SASLHandshakeResponse)
	switch code := errcode.Code(hresp.ErrorCode); code {
	case errcode.NoError:
	case errcode.UnsupportedSaslMechanism:
		return 0, authFailed("the broker does not enable mechanism %s on this listener (it enables: %s)", m.Name(), strings.Join(hresp.SupportedMechanisms, ", "))
	default:
		return 0, authFailed("SaslHandshake for %s: broker error %s", m.Name(), code)
	}

	host, _, err := net.SplitHostPort(c.Addr())
	if err != nil {
		host = c.Addr()
	}
	sess, msg, err := m.Authenticate(ctx, host)
	if err != nil {
		return 0, authFailed("%w", err)
	}
	version := min(c.MaxVersion(kmsg.SASLAuthenticate.Int16()), 1) // v2 is flexible: see the package doc
	if version < 0 {
		return 0, authFailed("the broker does not support SaslAuthenticate")
	}
	done := false
	for {
		areq := kmsg.NewPtrSASLAuthenticateRequest()
		areq.Version = version
		areq.SASLAuthBytes = msg
		kresp, _, err := c.request(ctx, areq, true)
		if err != nil {
			return 0, exchangeErr("SaslAuthenticate", err)
		}
		aresp := kresp.(*kmsg.SASLAuthenticateResponse)
		if code := errcode.Code(aresp.ErrorCode); code != errcode.NoError {
			reason := code.Name()
			if aresp.ErrorMessage != nil && *aresp.ErrorMessage != "" {
				reason += ": " + *aresp.ErrorMessage
			}
			return 0, authFailed("%s: broker says %s", m.Name(), reason)
		}
		lifetime := time.Duration(aresp.SessionLifetimeMillis) * time.Millisecond
		if done {
			return lifetime, nil
		}
		done, msg, err = sess.Challenge(aresp.SASLAuthBytes)
		if err != nil {
			// A response that comes with the error still goes out: an
			// OAUTHBEARER client answers the broker's error challenge so
			// that the broker can end the exchange (RFC 7628 3.2.3).
			if len(msg) > 0 {
				areq := kmsg.NewPtrSASLAuthenticateRequest()
				areq.Version = version
				areq.SASLAuthBytes = msg
				_, _, _ = c.request(ctx, areq, true) // its answer is the failure the error already tells
			}
			return 0, authFailed("%w", err)
		}
		if done && len(msg) == 0 {
			return lifetime, nil
		}
	}
}

// exchangeErr explains a request of the exchange that got no answer.
// Brokers close the connection on a failed authentication rather than
// answer it, so that is an authentication failure too.
func exchangeErr(request string, err error) error {
	if errors.Is(err, ErrClosed) {
		return authFailed("the broker closed the connection during %s (wrong credentials, or a mechanism the listener does not accept?): %w", request, err)
	}
	return fmt.Errorf("%s: %w", request, err)
}
