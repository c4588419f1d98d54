package sender

import (
	"fmt"
	"sync"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/errcode"
)

// seqState is one partition's idempotence bookkeeping. Sequences are given
// to a batch when it is first sent, in queue order, so a batch that never
// left the producer leaves no gap when it fails; a batch sent again keeps
// its sequence, so a retry can only ever be a duplicate the broker detects.
//
// A broker checks that a batch's sequence follows the last one it wrote
// only if it holds state for the producer id on the partition. Without it
// (a new producer id or epoch, or state the broker expired) every released
// Kafka version accepts any first sequence, so a batch sent behind one the
// broker then refuses would be written in its place, ahead of it; a broker
// that never checks (librdkafka's mock cluster) writes it so at any time.
// A partition therefore has one batch in flight unless the sender allows
// more (Config.PipelinePartitions), and then pipelines only while the
// broker has shown it holds the state, by acknowledging a batch of this
// generation recently; a batch sent again goes alone, with nothing behind
// it until it settles.
type seqState struct {
	// mu guards the following.
	mu       sync.Mutex
	gen      uint32       // the producer id generation the sequences below belong to
	nextSeq  int32        // sequence for the next batch sent for the first time
	nextAck  int32        // sequence of the oldest batch not yet acknowledged
	inflight int          // batches sent and not yet settled
	conn     *broker.Conn // the connection the in-flight batches went on
	acked    bool         // a batch of this generation has been acknowledged here
	ackedAt  int64        // monotonic time of the latest such acknowledgement
	resends  int          // batches of this generation put back to be sent again, not yet resent
	alone    bool         // the batch in flight is a resend: nothing goes behind it
	refused  bool         // a batch of this generation was refused (not written) and not yet acknowledged
	refusal  int32        // the sequence of the oldest such batch, when refused
	// lastOffset is the offset the broker wrote the batch ending at
	// nextAck at, -1 when its answer did not say.
	lastOffset int64
}

// trustAcksFor is how long an acknowledgement shows that the broker holds
// the producer's state on a partition. After a longer quiet spell the
// broker may have expired it (producer.id.expiration.ms, a day by default),
// so the next batch goes alone until it is acknowledged: one round trip per
// partition after an idle spell. State lost within the window (retention
// or DeleteRecords removing the producer's last batch, records stamped far
// in the past) is caught when the broker answers (written, and
// OUT_OF_ORDER_SEQUENCE_NUMBER behind the acknowledged sequence), as a
// fatal error rather than a false delivery.
const trustAcksFor = int64(10 * time.Second)

// wrapSeq adds n to a sequence, wrapping at INT32_MAX back to 0 as the
// protocol requires.
func wrapSeq(seq int32, n int) int32 { return int32((int64(seq) + int64(n)) % (1<<31 - 1)) }

// seqAfter reports whether sequence a comes after b, allowing for wrap.
func seqAfter(a, b int32) bool {
	d := (int64(a) - int64(b) + (1<<31 - 1)) % (1<<31 - 1)
	return d != 0 && d < 1<<30
}

// take hands sink sk the partition's next batch for conn, if sk leads the
// partition, canSendLocked allows it and the head is ready by now (past
// linger.ms unless lingerDone) and at most maxBytes, and records it as sent
// with sequences of generation gen. Check, take and record are one step
// under the partition's lock, so that neither another sink (the old or the
// new leader, while the partition moves) nor a retry being put back can
// slip in between. Otherwise it returns nil and the time the head will be
// ready, or -1 when the partition waits to be woken.
func (p *Partition) take(sk *Sink, conn *broker.Conn, gen uint32, limit int, now int64, lingerDone bool, maxBytes int) (*accumulator.Batch, int64) {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	if p.leader.Load() != sk || !st.canSendLocked(conn, gen, limit, now) {
		return nil, -1
	}
	b, at := p.Queue.Take(now, lingerDone, maxBytes)
	if b != nil {
		st.sentLocked(conn, b, gen)
	}
	return b, at
}

// canSendLocked reports whether the partition's next batch may go on conn
// at time now. With nothing in flight it always may: sequences are first
// brought in step with generation gen. Another batch may follow those in
// flight only on the same connection, below limit, when the broker has
// acknowledged a batch of this generation within trustAcksFor, and when
// neither the batch in flight nor the one at the head of the queue is a
// resend. Anything else could let a newer batch overtake an older one at
// the broker.
func (st *seqState) canSendLocked(conn *broker.Conn, gen uint32, limit int, now int64) bool {
	if st.inflight == 0 {
		if st.gen != gen {
			st.restartLocked(gen)
		}
		return true
	}
	return st.gen == gen && st.conn == conn && st.inflight < limit &&
		!st.alone && st.resends == 0 && st.acked && now-st.ackedAt < trustAcksFor
}

// restartLocked starts generation gen: a new producer id or epoch, for
// which sequences restart at 0 and the broker has yet to show it holds
// state. Nothing may be in flight.
func (st *seqState) restartLocked(gen uint32) {
	st.gen, st.nextSeq, st.nextAck = gen, 0, 0
	st.acked, st.ackedAt, st.resends, st.alone, st.refused, st.refusal = false, 0, 0, false, false, 0
	st.lastOffset = -1
}

// sentLocked records b as in flight on conn, giving it the next sequences
// if it has none in generation gen. A batch that has some is a resend.
func (st *seqState) sentLocked(conn *broker.Conn, b *accumulator.Batch, gen uint32) {
	if b.SeqGen == gen {
		st.alone = true
		st.resends = max(st.resends-1, 0)
	} else {
		b.SeqGen = gen
		b.Sequence = st.nextSeq
		st.nextSeq = wrapSeq(st.nextSeq, b.Records())
	}
	st.inflight++
	st.conn = conn
}

// putBack records, before b goes back in its queue, that it will be sent
// again; written is what its last attempt says about the log. Until it is,
// the partition sends nothing behind it.
func (p *Partition) putBack(b *accumulator.Batch, written errcode.Status) {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	if b.SeqGen != st.gen {
		return // its generation is over: it will be sent with new sequences
	}
	st.resends++
	if written == errcode.NotPersisted && (!st.refused || seqAfter(st.refusal, b.Sequence)) {
		st.refused, st.refusal = true, b.Sequence
	}
}

// settled records that an in-flight batch's attempt is over. It reports
// whether nothing of the partition is in flight any more.
func (p *Partition) settled() (idle bool) {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	st.inflight--
	if st.inflight == 0 {
		st.alone = false
	}
	return st.inflight == 0
}

// written records that the broker has b, written at offset (-1 when the
// answer does not say) and acknowledged at time now. When the broker wrote
// it out of sequence order, it returns why: ahead of an earlier batch of
// the generation that the broker refused, or at an offset after a batch
// with later sequences. Either shows that the broker did not check b's
// sequence against the last one it wrote (it held no state for the
// producer id, or never checks), and the log has the two out of order.
func (p *Partition) written(b *accumulator.Batch, offset, now int64) (outOfOrder string) {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	if b.SeqGen != st.gen {
		return ""
	}
	switch {
	case st.refused && seqAfter(b.Sequence, st.refusal):
		outOfOrder = fmt.Sprintf("the broker wrote sequence %d ahead of sequence %d, which it refused", b.Sequence, st.refusal)
	case offset >= 0 && st.lastOffset >= 0 && offset > st.lastOffset && seqAfter(st.nextAck, b.Sequence) &&
		seqAfter(st.nextAck, wrapSeq(b.Sequence, b.Records())):
		outOfOrder = fmt.Sprintf("the broker wrote sequence %d at offset %d, after later sequences at offset %d", b.Sequence, offset, st.lastOffset)
	}
	st.acked, st.ackedAt = true, now
	if end := wrapSeq(b.Sequence, b.Records()); seqAfter(end, st.nextAck) {
		st.nextAck, st.lastOffset = end, offset
	}
	if st.refused && b.Sequence == st.refusal {
		st.refused = false
	}
	return outOfOrder
}

// position says where b stands against the partition's acknowledged
// sequences: -1 before the next expected ack, 0 at it (head of line), 1
// after it. It also returns how many batches wait to be sent again and
// whether b's sequence belongs to the current generation.
func (p *Partition) position(b *accumulator.Batch) (pos, resends int, current bool) {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case b.Sequence == st.nextAck:
		pos = 0
	case seqAfter(b.Sequence, st.nextAck):
		pos = 1
	default:
		pos = -1
	}
	return pos, st.resends, b.SeqGen == st.gen
}

// hasSequence reports whether b carries a sequence of p's current
// generation, so that failing it leaves a gap the broker would notice.
func (p *Partition) hasSequence(b *accumulator.Batch) bool {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	return b.SeqGen != 0 && b.SeqGen == st.gen
}
