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
// or each event goes to whichever asks first. The channel holds up to 1024
// events: a report counts in Len until it is put in the channel (len of
// the channel says how many wait there).
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
	s.ch = make(chan Event, eventsBuffer)
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

// loop moves events from the report queue to the channel, a group of up
// to servedBatch at a time, until the queue is closed and empty or close
// gives up; then it closes the channel.
func (s *eventStream) loop(p *Producer) {
	defer close(s.done)
	defer close(s.ch)
	var group []Event
	for {
		group = p.nextEvents(group[:0])
		if len(group) == 0 {
			return // closed and empty
		}
		n, bytes := reportsIn(group)
		p.acct.served(n, bytes) // counted out before the application can see them, as Poll does
		for i, e := range group {
			select {
			case s.ch <- e: // the common case, as cheap as a plain send
			default:
				select {
				case s.ch <- e:
				case <-s.abandon:
					n, bytes := reportsIn(group[i:])
					p.acct.unserve(n, bytes)
					p.reports.pushFront(group[i:]...) // Poll has them next
					return
				}
			}
			p.handedOut(e)
			group[i] = nil
		}
	}
}

// reportsIn returns how many of es are delivery reports, and their value
// bytes.
func reportsIn(es []Event) (n, valueBytes int64) {
	for _, e := range es {
		if m, ok := e.(*Message); ok {
			n++
			valueBytes += int64(m.valueLen)
		}
	}
	return n, valueBytes
}

// nextEvents waits for the next events for the channel and appends them
// to dst, popped without counting reports out; it appends none once the
// report queue is closed and empty. With a delivery function it serves
// the reports on the way and returns one other event at a time.
func (p *Producer) nextEvents(dst []Event) []Event {
	if p.dr == nil {
		e := p.reports.wait(-1, false)
		if e == nil {
			return dst
		}
		return p.reports.popUpTo(append(dst, e), servedBatch)
	}
	for {
		if e, _, _ := p.serveReports(false, 0); e != nil {
			return append(dst, e)
		}
		if !p.reports.waitReady(-1) {
			return dst
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

// eventsBuffer is the Events channel's capacity.
const eventsBuffer = 1024
