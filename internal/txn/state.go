// Package txn is the transactional producer's state machine and the
// classification of the transactional requests' errors, after librdkafka's
// rdkafka_txnmgr.c. The producer package runs the transactions with them.
package txn

import "fmt"

// State is where the transactional producer stands. The names are
// librdkafka's (rd_kafka_txn_state_t), as its statistics and logs show
// them.
//
//	Init ──InitTransactions──▶ WaitPID ──producer id──▶ ReadyNotAcked ──call returns──▶ Ready
//
//	Ready ──BeginTransaction──▶ InTransaction
//
//	InTransaction ──CommitTransaction──▶ BeginCommit ──every message delivered──▶ CommittingTransaction
//	CommittingTransaction ──EndTxn(commit) answered──▶ CommitNotAcked ──call returns──▶ Ready
//
//	InTransaction, BeginCommit, CommittingTransaction ──a message or request failed──▶ AbortableError
//
//	InTransaction, AbortableError ──AbortTransaction──▶ BeginAbort ──queue purged, nothing in flight──▶ AbortingTransaction
//	AbortingTransaction ──EndTxn(abort) answered──▶ AbortedNotAcked ──call returns──▶ Ready
//	BeginAbort ──nothing was sent in the transaction──▶ AbortedNotAcked
//	AbortingTransaction ──the epoch must be bumped (KIP-360)──▶ WaitPID ──new epoch──▶ AbortedNotAcked
//
//	any but FatalError ──fenced, or an error nothing repairs──▶ FatalError (final)
//
// A NotAcked state is an operation that completed after the call that
// started it had returned (its context ended first): the next call of the
// same operation returns success at once and moves to Ready. This is how
// a call that timed out resumes, as librdkafka's rule requires.
type State int32

// The states, in librdkafka's order.
const (
	Init State = iota
	WaitPID
	ReadyNotAcked
	Ready
	InTransaction
	BeginCommit
	CommittingTransaction
	CommitNotAcked
	BeginAbort
	AbortingTransaction
	AbortedNotAcked
	AbortableError
	FatalError
)

var stateNames = [...]string{
	"Init", "WaitPID", "ReadyNotAcked", "Ready", "InTransaction", "BeginCommit", "CommittingTransaction",
	"CommitNotAcked", "BeginAbort", "AbortingTransaction", "AbortedNotAcked", "AbortableError", "FatalError",
}

// String returns librdkafka's name for the state.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int32(s))
}

// CanMoveTo reports whether the state machine allows going from s to next,
// the arrows drawn on State (librdkafka's
// rd_kafka_txn_state_transition_is_valid, plus the epoch bump after an
// abort, which librdkafka runs in its idempotence state machine).
func (s State) CanMoveTo(next State) bool {
	switch next {
	case WaitPID:
		return s == Init || s == AbortingTransaction
	case ReadyNotAcked:
		return s == WaitPID
	case Ready:
		return s == ReadyNotAcked || s == CommitNotAcked || s == AbortedNotAcked
	case InTransaction:
		return s == Ready
	case BeginCommit:
		return s == InTransaction
	case CommittingTransaction:
		return s == BeginCommit
	case CommitNotAcked:
		return s == CommittingTransaction
	case BeginAbort:
		return s == InTransaction || s == AbortableError
	case AbortingTransaction:
		return s == BeginAbort
	case AbortedNotAcked:
		return s == AbortingTransaction || s == BeginAbort || s == WaitPID
	case AbortableError:
		return s == InTransaction || s == BeginCommit || s == CommittingTransaction || s == AbortableError
	case FatalError:
		return s != FatalError
	}
	return false
}

// MayProduce reports whether messages may be produced in state s: only
// inside a transaction, as librdkafka's rd_kafka_txn_may_enq_msg.
func (s State) MayProduce() bool { return s == InTransaction }

// MaySend reports whether batches may be sent in state s: while the
// transaction is open or committing. An aborting transaction sends
// nothing more; what is queued is purged.
func (s State) MaySend() bool { return s == InTransaction || s == BeginCommit }
