package kafka

import (
	"errors"
	"strings"
	"sync/atomic"

	"github.com/kprod-go/kprod/producer"
)

// Error is the error every method of this package returns and the Error
// event of Events, as confluent-kafka-go's kafka.Error: a code, a message,
// and what the caller can do about it. Methods return it as a value, so
// err.(kafka.Error) works as with confluent-kafka-go.
type Error struct {
	code             ErrorCode
	str              string
	fatal            bool
	retriable        bool
	txnRequiresAbort bool
	cause            error // the producer package's error, for errors.As and Unwrap
}

// NewError returns an Error with code, message str (the code's description
// when empty) and the fatal flag, for applications and tests that need to
// make one.
func NewError(code ErrorCode, str string, fatal bool) Error {
	return Error{code: code, str: str, fatal: fatal}
}

// newErrorStr is NewError for a non-fatal error.
func newErrorStr(code ErrorCode, str string) Error { return Error{code: code, str: str} }

// errClosed is what every method but Close, IsClosed, Len and String
// returns once the producer is closed, with confluent-kafka-go's code and
// text.
var errClosed = newErrorStr(ErrState, "Operation not allowed on closed client")

// Error returns the message; see String.
func (e Error) Error() string { return e.String() }

// String returns the message, or the code's description when there is
// none, prefixed with "Fatal error: " for a fatal error.
func (e Error) String() string {
	s := e.str
	if s == "" {
		s = e.code.String()
	}
	if e.fatal {
		return "Fatal error: " + s
	}
	return s
}

// Code returns the librdkafka error code.
func (e Error) Code() ErrorCode { return e.code }

// IsFatal reports whether the producer can no longer be used: a fatal
// error (for an idempotent or transactional producer) stops it; Flush and
// Close it, and make a new one.
func (e Error) IsFatal() bool { return e.fatal }

// IsRetriable reports whether the failed operation may succeed if it is
// called again.
func (e Error) IsRetriable() bool { return e.retriable }

// IsTimeout reports whether the code is one of librdkafka's local timeout
// codes: ErrTimedOut, ErrTimedOutQueue or ErrMsgTimedOut.
func (e Error) IsTimeout() bool {
	return e.code == ErrTimedOut || e.code == ErrTimedOutQueue || e.code == ErrMsgTimedOut
}

// TxnRequiresAbort reports whether the current transaction can no longer
// commit: call AbortTransaction, then start a new one.
func (e Error) TxnRequiresAbort() bool { return e.txnRequiresAbort }

// Unwrap returns the producer package's error this one was made from, if
// any, so that errors.Is(err, producer.ErrQueueFull) holds too.
func (e Error) Unwrap() error { return e.cause }

// fromProducerError converts an error of package producer (nil stays nil).
// The message is kept: it names the topic, partition or property involved.
func fromProducerError(err error) error {
	if err == nil {
		return nil
	}
	var pe producer.Error
	if !errors.As(err, &pe) {
		return Error{code: ErrFail, str: err.Error(), cause: err}
	}
	return Error{
		code:             ErrorCode(pe.Code()),
		str:              strings.TrimPrefix(pe.Error(), "fatal: "),
		fatal:            pe.IsFatal(),
		retriable:        pe.IsRetriable(),
		txnRequiresAbort: pe.TxnRequiresAbort(),
		cause:            pe,
	}
}

// reportError is a delivery report's error. As confluent-kafka-go's, it
// carries the code alone, so its text is the code's description ("Local:
// Message timed out"); it unwraps to the producer package's ErrorCode. One
// value per code is made and kept, so that failing many messages costs no
// allocation each.
func reportError(err error) error {
	if err == nil {
		return nil
	}
	pe, ok := err.(producer.Error) // what the producer sets; errors.As here would cost an allocation
	if !ok {
		return fromProducerError(err)
	}
	i := int(pe.Code()) - minReportCode
	if i < 0 || i >= len(reportErrors) {
		return Error{code: ErrorCode(pe.Code()), retriable: pe.Code().IsRetriable(), cause: pe.Code()}
	}
	if e, ok := reportErrors[i].Load().(error); ok {
		return e
	}
	var e error = Error{code: ErrorCode(pe.Code()), retriable: pe.Code().IsRetriable(), cause: pe.Code()}
	reportErrors[i].Store(e)
	return e
}

// minReportCode is the lowest code reportErrors keeps: librdkafka's local
// codes start at -200.
const minReportCode = -200

// reportErrors holds reportError's value for each code from minReportCode
// on, made on first use.
var reportErrors [512]atomic.Value
