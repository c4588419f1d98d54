package producer

import (
	"sync"
	"time"
)

// chanReporter delivers reports to the deliveryChan each message was
// produced with. Sends block until the application receives, so they happen
// on this reporter's own goroutine, never on a connection's. Reports keep
// their completion order.
//
// The goroutine is started by New and stopped by close, which waits until
// every queued report has been sent, or until its bound passes: then the
// reports not yet sent go to leftover (Poll) instead, so that a
// deliveryChan nobody reads cannot hold Close.
type chanReporter struct {
	served   func(n, valueBytes int64) // counts reports out of the queue.buffering limits
	unserve  func(n, valueBytes int64) // takes back served for reports not sent after all
	leftover func([]*Message)          // takes the reports close gave up sending
	done     chan struct{}             // closed when the goroutine exits
	abandon  chan struct{}             // closed by close when its bound passes: stop sending

	// mu guards the following.
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []chanReport
	closing bool
}

// chanReport is a report queued for its deliveryChan. deliver fills it in
// on the goroutine that completed the batch, which has just written the
// message, so that the reporter's goroutine reads only its queue and
// never touches the message before the application does: a cache miss
// fewer per report on the reporter's core.
type chanReport struct {
	m     *Message
	ch    chan Event // the message's deliveryChan; m.drChan is already nil
	bytes int64      // m.valueLen, for the queue.buffering limits
}

func newChanReporter(served, unserve func(n, valueBytes int64), leftover func([]*Message)) *chanReporter {
	r := &chanReporter{served: served, unserve: unserve, leftover: leftover,
		done: make(chan struct{}), abandon: make(chan struct{})}
	r.cond = sync.NewCond(&r.mu)
	go r.loop()
	return r
}

// chanPush is a group of reports being queued for the reporter under one
// lock; see begin.
type chanPush struct{ r *chanReporter }

// begin locks the queue for add; end unlocks it and wakes the reporter.
// deliver queues all of one batch's channel reports this way, taking the
// lock once per batch rather than once per message.
func (r *chanReporter) begin() chanPush {
	r.mu.Lock()
	return chanPush{r}
}

// add queues m for its deliveryChan, which it takes from m.drChan.
func (c chanPush) add(m *Message) {
	c.r.queue = append(c.r.queue, chanReport{m: m, ch: m.drChan, bytes: int64(m.valueLen)})
	m.drChan = nil // before the send: the application owns m after it
}

// end releases the queue taken by begin and wakes the reporter.
func (c chanPush) end() {
	c.r.mu.Unlock()
	c.r.cond.Signal()
}

func (r *chanReporter) loop() {
	defer close(r.done)
	var batch []chanReport
	for {
		r.mu.Lock()
		for len(r.queue) == 0 && !r.closing {
			r.cond.Wait()
		}
		if len(r.queue) == 0 {
			r.mu.Unlock()
			return
		}
		batch, r.queue = r.queue, batch[:0]
		r.mu.Unlock()
		for start := 0; start < len(batch); start += servedBatch {
			group := batch[start:min(len(batch), start+servedBatch)]
			r.served(reportsBytes(group)) // count them out before the application can see them
			for i, c := range group {
				select {
				case c.ch <- c.m: // the common case, as cheap as a plain send
				default:
					select {
					case c.ch <- c.m:
					case <-r.abandon:
						r.giveUp(group[i:], batch[start+len(group):])
						return
					}
				}
				group[i] = chanReport{}
			}
		}
	}
}

// giveUp hands the reports not sent to leftover: unsent, counted out but
// not sent; rest, not counted yet; and whatever else is queued.
func (r *chanReporter) giveUp(unsent, rest []chanReport) {
	r.unserve(reportsBytes(unsent))
	r.mu.Lock()
	left := make([]*Message, 0, len(unsent)+len(rest)+len(r.queue))
	for _, q := range [][]chanReport{unsent, rest, r.queue} {
		for _, c := range q {
			left = append(left, c.m)
		}
	}
	r.queue = nil
	r.mu.Unlock()
	r.leftover(left)
}

// close sends every queued report, then stops the goroutine. If that is
// not done by the time by, it stops sending and hands what is left to
// leftover.
func (r *chanReporter) close(by time.Time) {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.cond.Broadcast()
	t := time.NewTimer(time.Until(by))
	defer t.Stop()
	select {
	case <-r.done:
	case <-t.C:
		close(r.abandon)
		<-r.done
	}
}

// reportsBytes returns how many reports cs holds and their value bytes,
// as served and unserve count them.
func reportsBytes(cs []chanReport) (n, valueBytes int64) {
	for _, c := range cs {
		valueBytes += c.bytes
	}
	return int64(len(cs)), valueBytes
}
