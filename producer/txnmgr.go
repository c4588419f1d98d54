package producer

import "context"

// txnManager runs the producer's transactions (transactional.id).
type txnManager struct{}

func (m *txnManager) initTransactions(ctx context.Context) error {
	return newError(ErrNotImplemented, "transactions are being built")
}
func (m *txnManager) begin() error {
	return newError(ErrNotImplemented, "transactions are being built")
}
func (m *txnManager) sendOffsets(ctx context.Context, offsets []TopicPartition, g *ConsumerGroupMetadata) error {
	return newError(ErrNotImplemented, "transactions are being built")
}
func (m *txnManager) commit(ctx context.Context) error {
	return newError(ErrNotImplemented, "transactions are being built")
}
func (m *txnManager) abort(ctx context.Context) error {
	return newError(ErrNotImplemented, "transactions are being built")
}
