package producer

import "sync"

// chanReporter delivers reports to the deliveryChan each message was
// produced with. Sends block until the application receives, so they happen
// on this reporter's own goroutine, never on a connection's. Reports keep
// their completion order.
//
// The goroutine is started by New and stopped by close, which waits until
// every queued report has been sent: an application that produces with a
// deliveryChan must keep receiving from it until Close returns.
type chanReporter struct {
	served func(n, valueBytes int64) // counts reports out of the queue.buffering limits
	done   chan struct{}             // closed when the goroutine exits

	// mu guards the following.
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*Message
	closing bool
}

func newChanReporter(served func(n, valueBytes int64)) *chanReporter {
	r := &chanReporter{served: served, done: make(chan struct{})}
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

// add queues m for its deliveryChan.
func (c chanPush) add(m *Message) { c.r.queue = append(c.r.queue, m) }

// end releases the queue taken by begin and wakes the reporter.
func (c chanPush) end() {
	c.r.mu.Unlock()
	c.r.cond.Signal()
}

func (r *chanReporter) loop() {
	defer close(r.done)
	var batch []*Message
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
			var bytes int64
			for _, m := range group {
				bytes += int64(len(m.Value))
			}
			r.served(int64(len(group)), bytes) // count them out before the application can see them
			for i, m := range group {
				ch := m.drChan
				m.drChan = nil
				ch <- m
				group[i] = nil
			}
		}
	}
}

// close sends every queued report, then stops the goroutine.
func (r *chanReporter) close() {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.cond.Broadcast()
	<-r.done
}
