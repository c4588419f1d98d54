package sender

import "github.com/kprod-go/kprod/internal/errcode"

// TxnGate is the transaction manager, as the sender sees it (Config.Txn):
// it decides which partitions may send, and hears of what the transaction
// can no longer survive. Its methods are called from sink, connection and
// housekeeping goroutines with no sender lock held, and must not block.
type TxnGate interface {
	// Sendable reports whether p's queued batches may be sent now: the
	// transaction is open or committing, and p has been added to it. It is
	// called only for a partition with something queued. When it returns
	// false the gate adds p to the transaction if it should, and wakes p
	// (Partition.Wake) once p may send.
	Sendable(p *Partition) bool
	// Aborting reports whether the transaction is being aborted: a batch
	// put back for a retry is then purged, not sent.
	Aborting() bool
	// Abortable reports that the transaction can no longer commit: a
	// batch failed for good or left a gap in its partition's sequence.
	// With bump, the producer's epoch must be bumped after the abort
	// (KIP-360), since the broker's view of the sequences is lost.
	Abortable(code errcode.Code, detail string, bump bool)
}

// transactional reports whether the producer is transactional.
func (s *Sender) transactional() bool { return s.cfg.Txn != nil }

// SetProducerID installs the producer id and epoch the transaction
// manager obtained (InitProducerId, or EndTxn under KIP-890): batches may
// be sent with them, and every partition's sequences restart at 0. As a
// drain-and-bump does, it waits for the builds and batches in flight to
// settle first (at once when none is), so that no request built with the
// old epoch leaves after it. It does nothing after a fatal error.
func (s *Sender) SetProducerID(pid int64, epoch int16) {
	s.pid.mu.Lock()
	if s.pid.state == StateFatal {
		s.pid.mu.Unlock()
		return
	}
	s.pid.nextPID, s.pid.nextEpoch, s.pid.hasNext = pid, epoch, true
	s.pid.state = StateDrainBump
	s.pid.mu.Unlock()
	s.finishBump() // installs it now if nothing is in flight, else when the last lands
}

// RaiseFatal raises a fatal error found outside the sender (the
// transaction manager's): nothing more is sent, the producer hears of it
// through Results.Fatal, and the queues are purged after it, as for the
// sender's own fatal errors.
func (s *Sender) RaiseFatal(code errcode.Code, detail string) { s.raiseFatal(code, detail) }

// SetMaxProduceVersion raises the highest Produce version the sinks may
// send from broker.MaxProduceVersion, for KIP-890's transactions v2, which
// need Produce v12 (the broker adds the partition to the transaction).
func (s *Sender) SetMaxProduceVersion(v int16) { s.maxProduce.Store(int32(v)) }

// InflightBatches returns the number of idempotent batches sent and not
// yet settled, over every partition.
func (s *Sender) InflightBatches() int64 { return s.idemInflight.Load() }
