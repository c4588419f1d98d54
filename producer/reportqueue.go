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
//
// Close closes the queue when nothing can add to it any more: from then
// on a wait that finds it empty returns nil at once.
type reportQueue struct {
	ready  chan struct{}                   // capacity 1: signalled when events are added
	closed chan struct{}                   // closed by close
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
	return &reportQueue{ready: make(chan struct{}, 1), closed: make(chan struct{}), served: served}
}

// close wakes every wait; from now on a wait on an empty queue returns at
// once. Events pushed later are still handed out.
func (q *reportQueue) close() { close(q.closed) }

// isClosed reports whether close has been called.
func (q *reportQueue) isClosed() bool {
	select {
	case <-q.closed:
		return true
	default:
		return false
	}
}

// pushFront puts events taken from the queue, and not counted out, back
// at its head, in their order.
func (q *reportQueue) pushFront(es ...Event) {
	if len(es) == 0 {
		return
	}
	q.mu.Lock()
	q.reserveLocked(len(es))
	mask := len(q.ring) - 1
	q.head = (q.head - len(es)) & mask
	for i, e := range es {
		q.ring[(q.head+i)&mask] = e
	}
	q.n += len(es)
	q.mu.Unlock()
	q.signal()
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
func (q *reportQueue) pop() Event { return q.popAs(0, true) }

// popAs is pop for a caller that is (self 1) or is not (0) counted in
// waiting; count is popLocked's.
func (q *reportQueue) popAs(self int, count bool) Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.popLocked(self, count)
}

// popLocked removes and returns the oldest event, or nil. self is 1 when
// the caller is itself counted in waiting, else 0. A delivery report is
// counted out when count is set; otherwise the caller counts it out when
// the application has it (the events channel does, just before sending).
func (q *reportQueue) popLocked(self int, count bool) Event {
	if q.n == 0 {
		return nil
	}
	e := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	if m, ok := e.(*Message); ok && count {
		q.servedN++
		q.servedBytes += int64(m.valueLen)
	}
	if q.servedN > 0 && (q.servedN >= servedBatch || q.n == 0) {
		q.served(q.servedN, q.servedBytes)
		q.servedN, q.servedBytes = 0, 0
	}
	if q.n > 0 && q.waiting > self {
		q.signal() // more remain: let another waiting Poll through
	}
	return e
}

// wait pops an event, waiting up to timeout for one (forever when timeout
// is negative, but no longer once the queue is closed and empty). A Poll
// that finds an event pays one lock and no channel operation: only a Poll
// that has to wait registers, so that a pop leaving events behind knows
// whether anybody waits for them. count is popLocked's.
func (q *reportQueue) wait(timeout time.Duration, count bool) Event {
	q.mu.Lock()
	if e := q.popLocked(0, count); e != nil || timeout == 0 {
		q.mu.Unlock()
		return e
	}
	var e Event
	q.awaitLocked(timeout, func() bool {
		e = q.popAs(1, count)
		return e != nil
	})
	return e
}

// waitReady waits up to timeout (forever when negative) until the queue
// holds an event, and reports whether it does; it returns false at once
// when the queue is closed and empty.
func (q *reportQueue) waitReady(timeout time.Duration) bool {
	q.mu.Lock()
	if q.n > 0 || timeout == 0 {
		n := q.n
		q.mu.Unlock()
		return n > 0
	}
	var ok bool
	q.awaitLocked(timeout, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.n > 1 && q.waiting > 1 {
			q.signal() // the others may take the rest
		}
		ok = q.n > 0
		return ok
	})
	return ok
}

// awaitLocked is the waiting half of wait and waitReady, called with q.mu
// held after a first look found nothing. It registers as a waiter under
// that same lock, so that no event slips by, releases it, and calls try at
// each ready signal until try reports success; when the queue closes or
// timeout passes (never when negative), it calls try a last time and
// returns.
func (q *reportQueue) awaitLocked(timeout time.Duration, try func() bool) {
	q.waiting++
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
			if try() {
				return
			}
		case <-q.closed:
			try() // nothing will come after what is left
			return
		case <-expired:
			try()
			return
		}
	}
}

// popUpTo appends to dst the events waiting, without waiting, until dst
// holds max, without counting reports out (see popLocked).
func (q *reportQueue) popUpTo(dst []Event, max int) []Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(dst) < max {
		e := q.popLocked(0, false)
		if e == nil {
			break
		}
		dst = append(dst, e)
	}
	return dst
}

// popReports pops into dst, under one lock, the delivery reports at the
// head of the queue, up to max of them, counting them out; it stops after
// the first event that is not a report, which it pops too and returns as
// other. It is how a delivery function is served a group at a time.
func (q *reportQueue) popReports(dst []*Message, max int) (ms []*Message, other Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(dst) < max {
		e := q.popLocked(0, true)
		if e == nil {
			break
		}
		m, ok := e.(*Message)
		if !ok {
			return dst, e
		}
		dst = append(dst, m)
	}
	return dst, nil
}
