package sender

import (
	"sync"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/broker"
)

// seqState is one partition's idempotence bookkeeping. Sequences are given
// to a batch when it is first sent, in queue order, so a batch that never
// left the producer leaves no gap when it fails; a batch sent again keeps
// its sequence, so a retry can only ever be a duplicate the broker detects.
type seqState struct {
	// mu guards the following.
	mu       sync.Mutex
	gen      uint32       // the producer id generation the sequences below belong to
	nextSeq  int32        // sequence for the next batch sent for the first time
	nextAck  int32        // sequence of the oldest batch not yet acknowledged
	inflight int          // batches sent and not yet settled
	conn     *broker.Conn // the connection the in-flight batches went on
	retrying bool         // a batch was put back for a retry: nothing new goes until the in-flight ones settle
}

// wrapSeq adds n to a sequence, wrapping at INT32_MAX back to 0 as the
// protocol requires.
func wrapSeq(seq int32, n int) int32 { return int32((int64(seq) + int64(n)) % (1<<31 - 1)) }

// seqAfter reports whether sequence a comes after b, allowing for wrap.
func seqAfter(a, b int32) bool {
	d := (int64(a) - int64(b) + (1<<31 - 1)) % (1<<31 - 1)
	return d != 0 && d < 1<<30
}

// canSend reports whether p's next batch may go on conn now: sequences are
// in step with generation gen, fewer than limit batches are in flight, none
// are in flight on another connection (a former leader's, or this broker's
// previous one whose failures have not all come back yet), and no retry is
// waiting for the batches in flight behind it to settle. Anything else
// could let a newer batch overtake an older one at the broker.
func (p *Partition) canSend(conn *broker.Conn, gen uint32, limit int) bool {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.inflight == 0 {
		st.retrying = false
		if st.gen != gen { // new producer id or epoch: sequences restart at 0
			st.gen, st.nextSeq, st.nextAck = gen, 0, 0
		}
		return true
	}
	return st.gen == gen && st.conn == conn && !st.retrying && st.inflight < limit
}

// sent records b as in flight on conn, giving it the next sequences if it
// has none in generation gen.
func (p *Partition) sent(conn *broker.Conn, b *accumulator.Batch, gen uint32) {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	if b.SeqGen != gen {
		b.SeqGen = gen
		b.Sequence = st.nextSeq
		st.nextSeq = wrapSeq(st.nextSeq, b.Records())
	}
	st.inflight++
	st.conn = conn
}

// settled records that an in-flight batch's attempt is over. retrying says
// it was put back for another attempt; acked says the broker has it.
func (p *Partition) settled(b *accumulator.Batch, retrying, acked bool) {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	st.inflight--
	if retrying {
		st.retrying = true
	}
	if acked && b.SeqGen == st.gen {
		if end := wrapSeq(b.Sequence, b.Records()); seqAfter(end, st.nextAck) {
			st.nextAck = end
		}
	}
}

// position says where b stands against the partition's acknowledged
// sequences: -1 before the next expected ack, 0 at it (head of line), 1
// after it. It also returns whether a retry is pending on the partition and
// whether b's sequence belongs to the current generation.
func (p *Partition) position(b *accumulator.Batch) (pos int, retrying, current bool) {
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
	return pos, st.retrying, b.SeqGen == st.gen
}

// hasSequence reports whether b carries a sequence of p's current
// generation, so that failing it leaves a gap the broker would notice.
func (p *Partition) hasSequence(b *accumulator.Batch) bool {
	st := &p.seq
	st.mu.Lock()
	defer st.mu.Unlock()
	return b.SeqGen != 0 && b.SeqGen == st.gen
}
