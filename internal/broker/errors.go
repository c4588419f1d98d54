package broker

import "errors"

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
)
