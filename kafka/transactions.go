package kafka

import (
	"context"

	"github.com/kprod-go/kprod/producer"
)

// ConsumerGroupMetadata is a consumer's group membership, for
// SendOffsetsToTransaction. Without a Consumer in this package, make one
// with NewTestConsumerGroupMetadata (a group id alone) or
// NewConsumerGroupMetadata (kprod only: the generation and member id of a
// consumer of another library).
type ConsumerGroupMetadata struct {
	m *producer.ConsumerGroupMetadata
}

// NewTestConsumerGroupMetadata returns group metadata carrying only
// groupID, as confluent-kafka-go's: the group coordinator accepts its
// offsets without checking a generation. An empty groupID fails with
// ErrInvalidArg.
func NewTestConsumerGroupMetadata(groupID string) (*ConsumerGroupMetadata, error) {
	m, err := producer.NewTestConsumerGroupMetadata(groupID)
	if err != nil {
		return nil, fromProducerError(err)
	}
	return &ConsumerGroupMetadata{m: m}, nil
}

// NewConsumerGroupMetadata returns the group metadata of a live consumer
// (KIP-447): group id, generation, member id and, for a static member,
// group.instance.id (nil for none), so that the coordinator refuses the
// offsets of a member fenced by a rebalance. kprod only: confluent-kafka-go
// gets it from its Consumer.
func NewConsumerGroupMetadata(groupID string, generationID int32, memberID string, groupInstanceID *string) (*ConsumerGroupMetadata, error) {
	m, err := producer.NewConsumerGroupMetadata(groupID, generationID, memberID, groupInstanceID)
	if err != nil {
		return nil, fromProducerError(err)
	}
	return &ConsumerGroupMetadata{m: m}, nil
}

// InitTransactions readies a producer with transactional.id: it fences
// earlier producers with the same id and ends their open transaction. Call
// it once, before the first BeginTransaction. The call waits until ctx
// ends (without a deadline, at most twice transaction.timeout.ms). An
// error with IsRetriable may be retried; any other is fatal. A producer
// without transactional.id gets ErrNotConfigured.
func (p *Producer) InitTransactions(ctx context.Context) error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.InitTransactions(ctx))
}

// BeginTransaction starts a transaction: messages may be produced until
// CommitTransaction or AbortTransaction.
func (p *Producer) BeginTransaction() error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.BeginTransaction())
}

// SendOffsetsToTransaction adds consumer offsets to the current
// transaction, committed to the group of consumerMetadata if and only if
// the transaction commits. Each offset is the next one to consume (the
// last processed plus one); negative offsets are left out. An error with
// TxnRequiresAbort means the transaction must be aborted.
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, offsets []TopicPartition, consumerMetadata *ConsumerGroupMetadata) error {
	if p.closed.Load() {
		return errClosed
	}
	if consumerMetadata == nil || consumerMetadata.m == nil {
		return newErrorStr(ErrInvalidArg, "SendOffsetsToTransaction: consumer group metadata is required")
	}
	tps := make([]producer.TopicPartition, len(offsets))
	for i, o := range offsets {
		if o.Topic == nil {
			return newErrorStr(ErrInvalidArg, "SendOffsetsToTransaction: an offset has no topic")
		}
		tps[i] = producer.TopicPartition{Topic: *o.Topic, Partition: o.Partition, Offset: int64(o.Offset), Metadata: o.Metadata, LeaderEpoch: o.LeaderEpoch}
	}
	return fromProducerError(p.p.SendOffsetsToTransaction(ctx, tps, consumerMetadata.m))
}

// CommitTransaction flushes the transaction's messages and commits it.
// If any failed, the error has TxnRequiresAbort: call AbortTransaction.
// When ctx ends first the error is retriable and calling
// CommitTransaction again resumes the commit.
func (p *Producer) CommitTransaction(ctx context.Context) error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.CommitTransaction(ctx))
}

// AbortTransaction fails the transaction's messages still queued (their
// reports carry ErrPurgeQueue) and aborts it. When ctx ends first the
// error is retriable and calling AbortTransaction again resumes the abort.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.AbortTransaction(ctx))
}
