package producer

import (
	"sync"
	"time"
)

// Events returns a channel that carries what Poll would return: delivery
// reports of messages produced without a deliveryChan, Error events,
// statistics (*Stats) and OAuthBearerTokenRefresh events. Close closes it
// after the last event, so that
//
//	for e := range p.Events() { ... }
//
// ends when the producer is closed, as with confluent-kafka-go's
// Producer.Events. Every call returns the same channel.
//
// The channel is fed by a goroutine that the first call starts and takes
// events from the queue Poll reads: use either Events or Poll, not both,
// or each event goes to whichever asks first. The channel is unbuffered: a
// report counts in Len until the application receives it (counted out just
// before it is sent).
//
// Close waits at most about half a second for the application to receive
// the events still queued; if it stops receiving, Close closes the channel
// without them, and they stay queued for Poll, which hands them out after
// Close without blocking. Called after Close, Events returns a closed
// channel.
//
// With WithDeliveryFunc, delivery reports go to the function instead (the
// goroutine calls it), and the channel carries the other events.
func (p *Producer) Events() <-chan Event {
	s := &p.events
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		return s.ch
	}
	s.ch = make(chan Event)
	if s.closed {
		close(s.ch)
		return s.ch
	}
	s.abandon = make(chan struct{})
	s.done = make(chan struct{})
	go s.loop(p)
	return s.ch
}

// eventStream is the channel Events returns and the goroutine that feeds
// it from the report queue. The goroutine is started by the first Events
// call and stopped by Close (close), which waits for it.
type eventStream struct {
	// mu guards the following.
	mu      sync.Mutex
	ch      chan Event    // nil until the first Events call
	closed  bool          // set by close: no goroutine starts after it
	abandon chan struct{} // closed by close when its bound passes
	done    chan struct{} // closed when the goroutine has exited
}

// loop moves events from the report queue to the channel until the queue
// is closed and empty, or until close gives up; then it closes the
// channel.
func (s *eventStream) loop(p *Producer) {
	defer close(s.done)
	defer close(s.ch)
	for {
		e := p.nextEvent()
		if e == nil {
			return // closed and empty
		}
		m, isReport := e.(*Message)
		if isReport {
			p.served(m) // counted out before the application can see it, as Poll does
		}
		select {
		case s.ch <- e:
			p.handedOut(e)
		case <-s.abandon:
			if isReport {
				p.acct.unserve(1, int64(len(m.Value)))
			}
			p.reports.pushFront(e) // Poll has it next
			return
		}
	}
}

// nextEvent waits for the next event for the channel, popped without
// counting a report out; nil once the report queue is closed and empty.
// With a delivery function it serves the reports on the way.
func (p *Producer) nextEvent() Event {
	if p.dr == nil {
		return p.reports.wait(-1, false)
	}
	for {
		if e, _, _ := p.serveReports(false, 0); e != nil {
			return e
		}
		if !p.reports.waitReady(-1) {
			return nil
		}
	}
}

// close stops the goroutine, if one was started, once it has sent every
// event queued (the report queue is closed before), or once by passes:
// then the events left stay queued for Poll.
func (s *eventStream) close(by time.Time) {
	s.mu.Lock()
	s.closed = true
	done, abandon := s.done, s.abandon
	s.mu.Unlock()
	if done == nil {
		return
	}
	t := time.NewTimer(time.Until(by))
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		close(abandon)
		<-done
	}
}

// handedOut notes that the application has e: a statistics event lets
// the next interval queue another.
func (p *Producer) handedOut(e Event) {
	if _, ok := e.(*Stats); ok {
		p.stats.pending.Store(false)
	}
}
