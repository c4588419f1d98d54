package producer

import (
	"context"
	"sync"
	"time"
)

// WithDeliveryFunc sets a function that is called with each delivery
// report of a message produced without a deliveryChan, in place of Poll
// returning it: librdkafka's dr_msg_cb. The function is called by Poll and
// by Flush (and FlushContext), on the caller's goroutine, as rd_kafka_poll
// and rd_kafka_flush serve the callback; when the application uses Events
// instead, by the goroutine that feeds that channel. It is called once per
// report, in the order of the reports, and never concurrently with itself:
// a Poll or Flush that would serve reports while another does waits for it.
// Reports of messages produced with a deliveryChan still go to their
// channel, and ProduceSync still returns its own.
//
// The message belongs to the function only while it runs, unless the
// application produced it and keeps it. The function must not call Poll,
// Flush or FlushContext (it would wait for itself); it may call Produce.
//
// With a delivery function, Poll serves the reports waiting (waiting up to
// its timeout for the first event) and returns the first other event
// (Error, statistics, token refresh), or nil once it has served what was
// there; Flush serves reports until every message has been reported to
// the application, and returns how many have not (Len).
func WithDeliveryFunc(fn func(*Message)) Option {
	return func(o *options) error {
		if fn == nil {
			return newError(ErrInvalidArg, "WithDeliveryFunc: nil function")
		}
		o.deliveryFunc = fn
		return nil
	}
}

// deliveryFunc is WithDeliveryFunc's function and what serializes it.
type deliveryFunc struct {
	fn func(*Message)

	// mu is held while reports are popped and fn is called with them: the
	// pop and the calls are one step, so reports are served in order and
	// fn never runs concurrently with itself. It guards group.
	mu    sync.Mutex
	group []*Message // scratch: one group of reports popped under the queue's lock
}

// serveReports calls the delivery function with the reports at the head
// of the queue, a group of up to servedBatch popped at a time, and returns
// how many it served. It stops when the queue is empty or, after limit
// reports (0: no limit), at the end of a group. The first event that is
// not a report ends it too, and is returned, unless keep is set: then
// such events are set aside and put back at the head of the queue, in
// their order, when it is done (Flush serves reports past them); kept
// says how many.
func (p *Producer) serveReports(keep bool, limit int) (other Event, served, kept int) {
	d := p.dr
	d.mu.Lock()
	defer d.mu.Unlock()
	var others []Event
	defer func() { p.reports.pushFront(others...) }()
	for limit == 0 || served < limit {
		ms, e := p.reports.popReports(d.group[:0], servedBatch)
		for i, m := range ms {
			ms[i] = nil
			d.fn(m)
		}
		d.group = ms[:0]
		served += len(ms)
		switch {
		case e != nil && keep:
			others = append(others, e)
		case e != nil:
			return e, served, 0
		case len(ms) < servedBatch:
			return nil, served, len(others) // the queue is empty
		}
	}
	return nil, served, len(others)
}

// pollServing is Poll with a delivery function.
func (p *Producer) pollServing(timeout time.Duration) Event {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		// What is queued now, not what keeps coming: Poll returns.
		other, n, _ := p.serveReports(false, max(p.reports.len(), 1))
		if other != nil {
			p.handedOut(other)
			return other
		}
		if n > 0 || timeout == 0 {
			return nil
		}
		left := time.Duration(-1)
		if timeout > 0 {
			if left = time.Until(deadline); left <= 0 {
				return nil
			}
		}
		if !p.reports.waitReady(left) {
			return nil
		}
	}
}

// flushServing is FlushContext's wait with a delivery function: it serves
// reports until Len is 0, checking at least every 10 ms (reports bound for
// deliveryChans count in Len until sent), as rd_kafka_flush does in
// callback mode.
func (p *Producer) flushServing(ctx context.Context) error {
	for {
		_, _, kept := p.serveReports(true, 0)
		n := p.Len()
		if n == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return wrapError(ErrTimedOut, err, "FlushContext: %v with %d messages not yet reported", err, n)
		}
		wait := 10 * time.Millisecond
		if d, ok := ctx.Deadline(); ok {
			wait = max(min(wait, time.Until(d)), time.Millisecond)
		}
		if kept == 0 {
			p.reports.waitReady(wait)
			continue
		}
		// Events that are not reports wait in the queue for Poll: a
		// wait for the queue would return at once.
		t := time.NewTimer(min(wait, time.Millisecond))
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
}
