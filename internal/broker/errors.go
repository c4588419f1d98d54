package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kprod-go/kprod/internal/observe"
)

// Errors a request can complete with besides a decoded response. Callers map
// them to their own codes: ErrTimeout is librdkafka's __TIMED_OUT, the others
// are __TRANSPORT.
var (
	// ErrTimeout means no response came within the request timeout; the
	// connection was closed because the stream can no longer be trusted.
	ErrTimeout = errors.New("broker: request timed out")
	// ErrClosed means the connection was closed before the response came.
	ErrClosed = errors.New("broker: connection closed")
	// ErrProtocol means the broker sent something that does not fit the
	// request it answers (wrong correlation id, undecodable body).
	ErrProtocol = errors.New("broker: protocol error")
	// ErrNotSent means the request was never written: it was held back
	// while the connection re-authenticated, and the connection closed or
	// the request's deadline passed first. The broker cannot have it.
	ErrNotSent = errors.New("broker: request not sent")
	// ErrIdle means the connection was closed because nothing went over
	// it for Config.IdleTimeout (connections.max.idle.ms). It wraps
	// ErrClosed; no request was waiting.
	ErrIdle = fmt.Errorf("%w: idle", ErrClosed)
)

// notSent wraps why a held request was never written.
func notSent(err error) error { return fmt.Errorf("%w: %w", ErrNotSent, err) }

// Step is a step of a connection's setup (see Connector).
type Step int

// The steps a connection goes through, in order, and re-authentication.
const (
	StepDial        Step = iota // TCP connect
	StepTLS                     // TLS handshake
	StepApiVersions             // ApiVersions negotiation
	StepSASL                    // SaslHandshake and SaslAuthenticate
	StepReauth                  // SASL again on a live connection (KIP-368)
)

var stepNames = [...]string{"connect", "TLS handshake", "ApiVersions request", "SASL authentication", "SASL re-authentication"}

// String names the step as error messages do.
func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return "step " + strconv.Itoa(int(s))
}

// ConnectError is why a connection to a broker could not be set up, or
// lost its SASL session. Step says where it failed, which is what callers
// classify it by: librdkafka reports a TLS failure as _SSL, an
// authentication failure as _AUTHENTICATION, the others as _TRANSPORT.
type ConnectError struct {
	Node observe.Node
	Step Step
	Err  error
}

// Error names the broker, the step and the reason.
func (e *ConnectError) Error() string {
	who := "bootstrap server " + e.Node.Addr
	if e.Node.ID >= 0 {
		who = "broker " + strconv.Itoa(int(e.Node.ID)) + " at " + e.Node.Addr
	}
	return who + ": " + e.Step.String() + " failed: " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *ConnectError) Unwrap() error { return e.Err }

// Timeout reports whether the step failed because
// socket.connection.setup.timeout.ms passed, which librdkafka reports as
// a transport failure whatever the step.
func (e *ConnectError) Timeout() bool { return errors.Is(e.Err, context.DeadlineExceeded) }
