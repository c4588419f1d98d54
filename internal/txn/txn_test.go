package txn

import (
	"testing"

	"github.com/kprod-go/kprod/internal/errcode"
)

// TestTransitions walks the state machine's drawn paths and checks that
// nothing else is allowed.
func TestTransitions(t *testing.T) {
	paths := [][]State{
		{Init, WaitPID, ReadyNotAcked, Ready, InTransaction, BeginCommit, CommittingTransaction, CommitNotAcked, Ready},
		{Ready, InTransaction, BeginAbort, AbortingTransaction, AbortedNotAcked, Ready},
		{InTransaction, AbortableError, BeginAbort, AbortingTransaction, WaitPID, AbortedNotAcked, Ready},
		{BeginCommit, AbortableError, BeginAbort, AbortedNotAcked},
		{CommittingTransaction, AbortableError},
	}
	allowed := map[[2]State]bool{}
	for _, path := range paths {
		for i := 1; i < len(path); i++ {
			if !path[i-1].CanMoveTo(path[i]) {
				t.Errorf("%s -> %s refused, want allowed", path[i-1], path[i])
			}
			allowed[[2]State{path[i-1], path[i]}] = true
		}
	}
	for s := Init; s <= FatalError; s++ {
		if (s != FatalError) != s.CanMoveTo(FatalError) {
			t.Errorf("%s -> FatalError: got %v", s, s.CanMoveTo(FatalError))
		}
		for n := Init; n < FatalError; n++ {
			if s.CanMoveTo(n) && !allowed[[2]State{s, n}] && !(s == AbortableError && n == AbortableError) {
				t.Errorf("%s -> %s allowed, but no drawn path takes it", s, n)
			}
		}
	}
	if Init.CanMoveTo(Ready) || FatalError.CanMoveTo(Ready) || AbortingTransaction.CanMoveTo(AbortableError) {
		t.Error("a forbidden transition is allowed")
	}
	if got := AbortedNotAcked.String(); got != "AbortedNotAcked" {
		t.Errorf("name %q", got)
	}
	for s := Init; s <= FatalError; s++ {
		if s.MayProduce() != (s == InTransaction) {
			t.Errorf("%s: MayProduce %v", s, s.MayProduce())
		}
	}
}

// TestClassify pins librdkafka's class of each error on each request
// (rdkafka_txnmgr.c's handlers; PRODUCER_FENCED fatal everywhere).
func TestClassify(t *testing.T) {
	cases := []struct {
		req  Request
		code errcode.Code
		want Action
		as   errcode.Code
	}{
		{EndTxn, errcode.NoError, Done, errcode.NoError},
		{InitProducerID, errcode.CoordinatorNotAvailable, Recoordinate, errcode.CoordinatorNotAvailable},
		{AddPartitionsToTxn, errcode.NotCoordinator, Recoordinate, errcode.NotCoordinator},
		{EndTxn, errcode.Transport, Recoordinate, errcode.Transport},
		{TxnOffsetCommit, errcode.TimedOut, Recoordinate, errcode.TimedOut},
		{TxnOffsetCommit, errcode.RequestTimedOut, Recoordinate, errcode.RequestTimedOut},
		{EndTxn, errcode.ConcurrentTransactions, Retry, errcode.ConcurrentTransactions},
		{AddOffsetsToTxn, errcode.CoordinatorLoadInProgress, Retry, errcode.CoordinatorLoadInProgress},
		{AddPartitionsToTxn, errcode.UnknownTopicOrPart, Retry, errcode.UnknownTopicOrPart},
		{InitProducerID, errcode.ProducerFenced, Fatal, errcode.Fenced},
		{EndTxn, errcode.InvalidProducerEpoch, Fatal, errcode.Fenced},
		{TxnOffsetCommit, errcode.ProducerFenced, Fatal, errcode.Fenced},
		{InitProducerID, errcode.TransactionalIDAuthorizationFailed, Fatal, errcode.TransactionalIDAuthorizationFailed},
		{InitProducerID, errcode.InvalidTransactionTimeout, Fatal, errcode.InvalidTransactionTimeout},
		{EndTxn, errcode.InvalidTxnState, Fatal, errcode.InvalidTxnState},
		{AddPartitionsToTxn, errcode.TopicAuthorizationFailed, Abortable, errcode.TopicAuthorizationFailed},
		{TxnOffsetCommit, errcode.GroupAuthorizationFailed, Abortable, errcode.GroupAuthorizationFailed},
		{TxnOffsetCommit, errcode.UnknownMemberID, Abortable, errcode.UnknownMemberID},
		{TxnOffsetCommit, errcode.IllegalGeneration, Abortable, errcode.IllegalGeneration},
		{EndTxn, errcode.UnknownProducerID, AbortableBump, errcode.UnknownProducerID},
		{AddPartitionsToTxn, errcode.InvalidProducerIDMapping, AbortableBump, errcode.InvalidProducerIDMapping},
		{TxnOffsetCommit, errcode.InvalidProducerIDMapping, Fatal, errcode.InvalidProducerIDMapping},
		{EndTxn, errcode.TransactionAbortable, Abortable, errcode.TransactionAbortable},
		{InitProducerID, errcode.ConcurrentTransactions, Retry, errcode.ConcurrentTransactions},
		{FindCoordinator, errcode.GroupAuthorizationFailed, Recoordinate, errcode.GroupAuthorizationFailed},
	}
	for _, c := range cases {
		got, as := Classify(c.req, c.code)
		if got != c.want || as != c.as {
			t.Errorf("%s %s: got %s as %s, want %s as %s", c.req, c.code.Name(), got, as.Name(), c.want, c.as.Name())
		}
	}
}
