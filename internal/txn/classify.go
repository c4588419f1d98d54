package txn

import "github.com/kprod-go/kprod/internal/errcode"

// Request names a transactional request, for Classify.
type Request int8

// The transactional requests.
const (
	InitProducerID Request = iota
	AddPartitionsToTxn
	AddOffsetsToTxn
	TxnOffsetCommit
	EndTxn
	FindCoordinator
)

var requestNames = [...]string{"InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "TxnOffsetCommit", "EndTxn", "FindCoordinator"}

// String returns the request's protocol name.
func (r Request) String() string { return requestNames[r] }

// Action is what a transactional request's error asks of the producer.
type Action int8

// The actions, from the mildest.
const (
	// Done: no error.
	Done Action = iota
	// Retry: send the request again after the retry backoff. The API call
	// waiting for it is told only if its own time runs out (retriable).
	Retry
	// Recoordinate: look the coordinator up again, then send again.
	Recoordinate
	// Abortable: the transaction can no longer commit and must be aborted;
	// the producer stays usable.
	Abortable
	// AbortableBump: as Abortable, and the producer's epoch must be bumped
	// after the abort (KIP-360), because the broker lost or refused the
	// producer's state.
	AbortableBump
	// Fatal: the producer can no longer be used.
	Fatal
)

var actionNames = [...]string{"done", "retry", "recoordinate", "abortable", "abortable with epoch bump", "fatal"}

// String names the action.
func (a Action) String() string { return actionNames[a] }

// Classify returns what code, the answer to req, asks for, and the code to
// report it with (INVALID_PRODUCER_EPOCH and PRODUCER_FENCED are _FENCED).
// It follows librdkafka's handlers of each request in rdkafka_txnmgr.c,
// with one difference the transactions issue asks for: PRODUCER_FENCED is
// fatal on every request (librdkafka lets it through as abortable on
// AddOffsetsToTxn and TxnOffsetCommit, where the Java client makes it
// fatal).
func Classify(req Request, code errcode.Code) (Action, errcode.Code) {
	switch code {
	case errcode.NoError:
		return Done, code
	case errcode.Transport, errcode.TimedOut, errcode.TimedOutQueue,
		errcode.NotCoordinator, errcode.CoordinatorNotAvailable:
		return Recoordinate, code
	case errcode.CoordinatorLoadInProgress, errcode.ConcurrentTransactions:
		return Retry, code
	case errcode.InvalidProducerEpoch, errcode.ProducerFenced:
		return Fatal, errcode.Fenced
	case errcode.TransactionalIDAuthorizationFailed, errcode.ClusterAuthorizationFailed,
		errcode.UnsupportedFeature:
		return Fatal, code
	}
	switch req {
	case FindCoordinator:
		return Recoordinate, code
	case InitProducerID:
		switch code {
		case errcode.InvalidTransactionTimeout, errcode.UnknownProducerID, errcode.InvalidProducerIDMapping,
			errcode.InvalidTxnState, errcode.UnsupportedVersion:
			return Fatal, code
		}
		return Retry, code
	case AddPartitionsToTxn:
		switch code {
		case errcode.UnknownTopicOrPart:
			return Retry, code
		case errcode.InvalidTxnState:
			return Fatal, code
		case errcode.UnknownProducerID, errcode.InvalidProducerIDMapping:
			return AbortableBump, code
		}
		return Abortable, code
	case AddOffsetsToTxn:
		switch code {
		case errcode.RequestTimedOut:
			return Recoordinate, code
		case errcode.UnknownTopicOrPart:
			return Retry, code
		case errcode.InvalidTxnState, errcode.UnsupportedForMessageFormat:
			return Fatal, code
		}
		return Abortable, code
	case TxnOffsetCommit:
		switch code {
		case errcode.RequestTimedOut:
			return Recoordinate, code
		case errcode.UnknownTopicOrPart:
			return Retry, code
		case errcode.InvalidTxnState, errcode.UnsupportedForMessageFormat, errcode.InvalidProducerIDMapping:
			return Fatal, code
		}
		return Abortable, code
	case EndTxn:
		switch code {
		case errcode.InvalidTxnState:
			return Fatal, code
		case errcode.UnknownProducerID, errcode.InvalidProducerIDMapping:
			return AbortableBump, code
		}
		return Abortable, code
	}
	return Fatal, code
}
