package producer

import "context"

// TopicPartition names a partition and, in SendOffsetsToTransaction, the
// consumer offset to commit for it, as confluent-kafka-go's type of the
// same name: Offset is the offset of the next message the consumer will
// read (the last one processed plus one).
type TopicPartition struct {
	Topic       string
	Partition   int32
	Offset      int64
	Metadata    *string // committed with the offset; nil for none
	LeaderEpoch *int32  // the leader epoch of the last message consumed; nil when unknown
	Error       error   // set on the partition that failed, when one did
}

// ConsumerGroupMetadata is what a consumer tells a transactional producer
// about its group membership (KIP-447), so that the group coordinator can
// refuse the offsets of a member that was fenced by a rebalance. Make one
// with NewConsumerGroupMetadata from the consumer's state, or with
// NewTestConsumerGroupMetadata for a group id alone.
type ConsumerGroupMetadata struct {
	groupID         string
	generationID    int32
	memberID        string
	groupInstanceID *string
}

// NewConsumerGroupMetadata returns the group metadata of a consumer: its
// group id, generation, member id and, for a static member, its
// group.instance.id (nil for none). The group id must not be empty.
func NewConsumerGroupMetadata(groupID string, generationID int32, memberID string, groupInstanceID *string) (*ConsumerGroupMetadata, error) {
	if groupID == "" {
		return nil, newError(ErrInvalidArg, "NewConsumerGroupMetadata: the group id must not be empty")
	}
	return &ConsumerGroupMetadata{groupID: groupID, generationID: generationID, memberID: memberID, groupInstanceID: groupInstanceID}, nil
}

// NewTestConsumerGroupMetadata returns group metadata with only a group id:
// generation -1 and no member id, which a group coordinator accepts from a
// producer that does not consume (no fencing by generation). As in
// confluent-kafka-go, it is meant for tests.
func NewTestConsumerGroupMetadata(groupID string) (*ConsumerGroupMetadata, error) {
	return NewConsumerGroupMetadata(groupID, -1, "", nil)
}

// GroupID returns the consumer group's id.
func (m *ConsumerGroupMetadata) GroupID() string { return m.groupID }

// errNotTransactional is the error of a transactional call on a producer
// without transactional.id.
var errNotTransactional = newError(ErrNotConfigured, "the producer is not transactional: set transactional.id")

// InitTransactions readies a producer configured with transactional.id:
// it finds the transaction coordinator, fences any earlier producer with
// the same transactional.id, and completes or aborts the transaction that
// producer left open. It must be called once, before BeginTransaction.
//
// When ctx has no deadline, the call is bounded by twice
// transaction.timeout.ms, as librdkafka does. An error with IsRetriable
// (such as a timeout) may be retried by calling InitTransactions again,
// which resumes where the last call stopped; any other error is fatal.
//
// InitTransactions also asks the coordinator whether the cluster runs
// KIP-890's transactions v2 (the finalized feature transaction.version at
// 2 or more); if so, partitions join a transaction with their first
// Produce request and each transaction's end bumps the epoch, saving a
// round trip per partition and transaction. Otherwise kprod speaks the v1
// protocol (AddPartitionsToTxn), as librdkafka always does.
func (p *Producer) InitTransactions(ctx context.Context) error {
	if p.txn == nil {
		return errNotTransactional
	}
	return p.txn.initTransactions(ctx)
}

// BeginTransaction starts a transaction. Messages may be produced only
// between BeginTransaction and CommitTransaction or AbortTransaction;
// Produce fails with ErrState otherwise. It does not talk to the broker.
func (p *Producer) BeginTransaction() error {
	if p.txn == nil {
		return errNotTransactional
	}
	return p.txn.begin()
}

// SendOffsetsToTransaction adds consumer offsets to the current
// transaction, to be committed to the consumer's group if and only if the
// transaction commits: the consume-transform-produce pattern.
// consumerMetadata identifies the group and, from a live consumer, its
// membership (KIP-447). Offsets below 0 are left out; with none left the
// call does nothing.
//
// The call takes at most transaction.timeout.ms, whatever ctx allows. An
// error with TxnRequiresAbort means the transaction must be aborted; with
// IsRetriable, the call may be made again; IsFatal ends the producer.
// Under the v1 protocol it sends AddOffsetsToTxn to the transaction
// coordinator, then TxnOffsetCommit to the group's coordinator; under
// KIP-890's transactions v2, TxnOffsetCommit alone.
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, offsets []TopicPartition, consumerMetadata *ConsumerGroupMetadata) error {
	if p.txn == nil {
		return errNotTransactional
	}
	if consumerMetadata == nil {
		return newError(ErrInvalidArg, "SendOffsetsToTransaction: the consumer group metadata must not be nil")
	}
	return p.txn.sendOffsets(ctx, offsets, consumerMetadata)
}

// CommitTransaction flushes every message produced in the transaction,
// then commits it. If any message failed, the transaction cannot commit:
// the error has TxnRequiresAbort, and the application calls
// AbortTransaction.
//
// The call waits as long as ctx allows (for ever without a deadline, as
// librdkafka's infinite timeout). When ctx ends first, the error is
// retriable (IsRetriable, IsTimeout) and the commit goes on: calling
// CommitTransaction again resumes it and returns its outcome. A fatal
// error (IsFatal; ErrFenced when a newer producer took the
// transactional.id) ends the producer.
func (p *Producer) CommitTransaction(ctx context.Context) error {
	if p.txn == nil {
		return errNotTransactional
	}
	return p.txn.commit(ctx)
}

// AbortTransaction aborts the current transaction: messages still queued
// are purged (reported with ErrPurgeQueue), the requests in flight are
// waited for, and the coordinator writes abort markers, so that
// read_committed consumers never see what the transaction wrote. It is
// how a transaction in an abortable error state is left.
//
// The call waits as long as ctx allows. When ctx ends first, the error is
// retriable and the abort goes on: call AbortTransaction again to complete
// it. If the transaction failed in a way that lost the broker's view of
// the producer's sequences, the abort also bumps the producer's epoch
// (KIP-360) before it returns.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	if p.txn == nil {
		return errNotTransactional
	}
	return p.txn.abort(ctx)
}

// TxnRequiresAbort reports whether the current transaction can no longer
// commit and must be aborted with AbortTransaction; the producer stays
// usable after the abort.
func (e Error) TxnRequiresAbort() bool { return e.txnAbort }
