package producer

import "fmt"

// ErrorCode is a librdkafka error code. Negative codes are local to the
// client (librdkafka's RD_KAFKA_RESP_ERR__*), positive ones are Kafka
// protocol codes as a broker returns them. The numbering is librdkafka's, so
// codes compare equal to confluent-kafka-go's kafka.ErrorCode values.
//
// ErrorCode implements error so that errors.Is(err, producer.ErrQueueFull)
// reads naturally.
type ErrorCode int32

// Error is the error type the producer returns and reports. It carries a
// librdkafka error code, a message naming what went wrong (the topic,
// partition or property involved) and the flags a caller acts on.
//
// Error is also an Event: Poll hands out Error values for client-level
// problems (a fatal error, all brokers down), as librdkafka's error events.
type Error struct {
	code      ErrorCode
	msg       string
	fatal     bool
	retriable bool
	txnAbort  bool // the current transaction must be aborted
	cause     error
}

// newError returns an Error with code and a formatted message. Whether it is
// retriable follows the code's classification.
func newError(code ErrorCode, format string, args ...any) Error {
	return Error{code: code, msg: fmt.Sprintf(format, args...), retriable: code.IsRetriable()}
}

// wrapError returns an Error with code that keeps cause for errors.Unwrap.
func wrapError(code ErrorCode, cause error, format string, args ...any) Error {
	e := newError(code, format, args...)
	e.cause = cause
	return e
}

// Code returns the librdkafka error code.
func (e Error) Code() ErrorCode { return e.code }

// Error returns the message, which names what failed; an Error made from a
// bare code returns the code's librdkafka description.
func (e Error) Error() string {
	if e.msg == "" {
		return e.code.String()
	}
	if e.fatal {
		return "fatal: " + e.msg
	}
	return e.msg
}

// String returns the same text as Error, so that Error is an Event.
func (e Error) String() string { return e.Error() }

// IsRetriable reports whether the operation that failed may succeed if it is
// tried again (for example after a leader election).
func (e Error) IsRetriable() bool { return e.retriable }

// IsFatal reports whether the producer can no longer be used: once a fatal
// error has been raised, Produce fails with ErrFatal and the application
// should Flush and Close the producer.
func (e Error) IsFatal() bool { return e.fatal }

// IsTimeout reports whether the error is one of librdkafka's timeout codes.
func (e Error) IsTimeout() bool {
	switch e.code {
	case ErrTimedOut, ErrTimedOutQueue, ErrMsgTimedOut, ErrRequestTimedOut:
		return true
	}
	return false
}

// Unwrap returns the underlying cause, such as a network error, if any.
func (e Error) Unwrap() error { return e.cause }

// Is reports whether target is this error's code, or an Error with the same
// code, so that errors.Is(err, producer.ErrQueueFull) holds.
func (e Error) Is(target error) bool {
	switch t := target.(type) {
	case ErrorCode:
		return e.code == t
	case Error:
		return e.code == t.code
	case *Error:
		return t != nil && e.code == t.code
	}
	return false
}
