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
	served func(*Message) // called after each send
	done   chan struct{}  // closed when the goroutine exits

	// mu guards the following.
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*Message
	closing bool
}

func newChanReporter(served func(*Message)) *chanReporter {
	r := &chanReporter{served: served, done: make(chan struct{})}
	r.cond = sync.NewCond(&r.mu)
	go r.loop()
	return r
}

// push queues m for its deliveryChan.
func (r *chanReporter) push(m *Message) {
	r.mu.Lock()
	r.queue = append(r.queue, m)
	r.mu.Unlock()
	r.cond.Signal()
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
		for i, m := range batch {
			ch := m.drChan
			m.drChan = nil
			r.served(m) // count it out before the application can see it
			ch <- m
			batch[i] = nil
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
