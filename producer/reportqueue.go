package producer

import (
	"sync"
	"time"
)

// reportQueue holds events waiting for Poll: delivery reports of messages
// produced without a deliveryChan, and client-level errors. It is an
// unbounded FIFO; the queue.buffering limits bound it, since a message
// counts against them until Poll hands out its report.
//
// Popping a delivery report counts the message out of the producer's held
// counters; to spare the shared counters a write per report, pops add up
// under the queue's lock and are counted out every servedBatch reports, and
// whenever the queue empties; Len subtracts what is popped but not yet
// counted out (held), so it is exact at any time.
type reportQueue struct {
	ready  chan struct{}                   // capacity 1: signalled when events are added
	served func(n int64, valueBytes int64) // counts popped reports out of the held counters

	// mu guards the following.
	mu          sync.Mutex
	ring        []Event // a ring of waiting events; its length is 0 or a power of two
	head        int     // index in ring of the oldest event
	n           int     // events waiting
	servedN     int64   // reports popped but not yet counted out
	servedBytes int64   // their value bytes
	waiting     int     // Polls blocked until an event comes
}

// servedBatch is how many reports are counted out of the queue.buffering
// limits at once at most: by Poll, after popping them, and by the
// chanReporter, just before sending them (so up to this many are neither
// counted as held nor yet in their deliveryChan).
const servedBatch = 64

func newReportQueue(served func(n, valueBytes int64)) *reportQueue {
	return &reportQueue{ready: make(chan struct{}, 1), served: served}
}

// push appends one event.
func (q *reportQueue) push(e Event) {
	q.mu.Lock()
	q.reserveLocked(1)
	q.ring[(q.head+q.n)&(len(q.ring)-1)] = e
	q.n++
	q.mu.Unlock()
	q.signal()
}

// pushMessages appends the reports of a completed batch under one lock.
func (q *reportQueue) pushMessages(ms []*Message) {
	if len(ms) == 0 {
		return
	}
	q.mu.Lock()
	q.reserveLocked(len(ms))
	mask := len(q.ring) - 1
	for i, m := range ms {
		q.ring[(q.head+q.n+i)&mask] = m
	}
	q.n += len(ms)
	q.mu.Unlock()
	q.signal()
}

// reserveLocked makes room for k more events. The ring only grows: a
// queue that once held many reports will again, and a ring, unlike a
// slice popped from the front, never copies what waits in it to make room.
func (q *reportQueue) reserveLocked(k int) {
	if q.n+k <= len(q.ring) {
		return
	}
	size := max(64, len(q.ring))
	for size < q.n+k {
		size *= 2
	}
	ring := make([]Event, size)
	for i := range q.n {
		ring[i] = q.ring[(q.head+i)&(len(q.ring)-1)]
	}
	q.ring, q.head = ring, 0
}

func (q *reportQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// held returns heldMsgs() less the reports popped but not yet counted out,
// under the queue's lock, which every counting out takes too: the two
// readings cannot straddle one.
func (q *reportQueue) held(heldMsgs func() int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return heldMsgs() - int(q.servedN)
}

// len returns the number of events waiting (the statistics' replyq).
func (q *reportQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// pop removes and returns the oldest event, or nil.
func (q *reportQueue) pop() Event { return q.popAs(0) }

// popAs is pop for a caller that is (self 1) or is not (0) counted in
// waiting.
func (q *reportQueue) popAs(self int) Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.popLocked(self)
}

// popLocked removes and returns the oldest event, or nil. self is 1 when
// the caller is itself counted in waiting, else 0.
func (q *reportQueue) popLocked(self int) Event {
	if q.n == 0 {
		return nil
	}
	e := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	if m, ok := e.(*Message); ok {
		q.servedN++
		q.servedBytes += int64(len(m.Value))
	}
	if q.servedN >= servedBatch || q.n == 0 {
		q.served(q.servedN, q.servedBytes)
		q.servedN, q.servedBytes = 0, 0
	}
	if q.n > 0 && q.waiting > self {
		q.signal() // more remain: let another waiting Poll through
	}
	return e
}

// wait pops an event, waiting up to timeout for one (forever when timeout
// is negative). A Poll that finds an event pays one lock and no channel
// operation: only a Poll that has to wait registers, so that a pop leaving
// events behind knows whether anybody waits for them.
func (q *reportQueue) wait(timeout time.Duration) Event {
	q.mu.Lock()
	if e := q.popLocked(0); e != nil || timeout == 0 {
		q.mu.Unlock()
		return e
	}
	q.waiting++ // under the same lock as the empty check: no event slips by
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		q.waiting--
		q.mu.Unlock()
	}()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-q.ready:
			if e := q.popAs(1); e != nil {
				return e
			}
		case <-expired:
			return q.popAs(1)
		}
	}
}
