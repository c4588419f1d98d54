package producer

import (
	"context"
	"sync"
	"time"

	"github.com/kprod-go/kprod/internal/logx"
)

// ProduceSync produces m and waits for its delivery report, returning
// m.Err (nil when delivered; m then holds its partition and offset). It is
// a convenience for Go code that wants one message's outcome; it costs a
// round trip per call, so batch-minded code should use Produce.
//
// If ctx ends first, ProduceSync returns an error that wraps ctx.Err() and
// says the message may still be delivered. The producer keeps track of it:
// its report then goes to Poll, like a message produced without a
// deliveryChan, so no outcome is lost.
func (p *Producer) ProduceSync(ctx context.Context, m *Message) error {
	if err := ctx.Err(); err != nil {
		return wrapError(ErrInvalidArg, err, "ProduceSync: context already done: %v", err)
	}
	w := &syncWaiter{done: make(chan struct{})}
	if err := p.produce(m, nil, w); err != nil {
		return err
	}
	select {
	case <-w.done:
		return m.Err
	case <-ctx.Done():
		if !w.abandon() {
			return m.Err // the report won the race
		}
		return wrapError(ErrTimedOut, ctx.Err(),
			"ProduceSync to topic %q: %v before the delivery report; the message may still be delivered and its report will come from Poll", m.Topic, ctx.Err())
	}
}

// syncWaiter hands one delivery report to a waiting ProduceSync, or, once
// the caller has given up, to Poll.
type syncWaiter struct {
	done chan struct{}

	// mu guards the following.
	mu        sync.Mutex
	delivered bool
	abandoned bool
}

// deliver reports whether the waiter took the report; false means the
// caller gave up and the report must go to Poll.
func (w *syncWaiter) deliver() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		return false
	}
	w.delivered = true
	close(w.done)
	return true
}

// abandon gives up waiting; it reports false if the report already came.
func (w *syncWaiter) abandon() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.delivered {
		return false
	}
	w.abandoned = true
	return true
}

// FlushContext is Flush with a context instead of a timeout: it sends
// every queued message without waiting for linger.ms and waits until each
// has its delivery report or ctx ends. It returns nil when none is left, or
// an error wrapping ctx.Err() that says how many are.
func (p *Producer) FlushContext(ctx context.Context) error {
	p.snd.SetFlushing(1)
	defer p.snd.SetFlushing(-1)
	p.meta.trigger()
	if p.log.On(logx.Queue) {
		p.log.Debugf(logx.Queue, "FLUSH", "Flushing %d message(s)", p.acct.unreported())
		defer func() {
			p.log.Debugf(logx.Queue, "FLUSH", "Flush done: %d message(s) without a report", p.acct.unreported())
		}()
	}
	if p.dr != nil {
		return p.flushServing(ctx)
	}
	for {
		p.flushMu.Lock()
		ch := p.flushed
		p.flushMu.Unlock()
		if p.acct.unreported() == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			n := p.acct.unreported()
			if n == 0 {
				return nil
			}
			return wrapError(ErrTimedOut, ctx.Err(), "FlushContext: %v with %d messages not yet reported", ctx.Err(), n)
		}
	}
}

// flushTimeout adapts Flush's timeout to FlushContext.
func (p *Producer) flushTimeout(timeout time.Duration) int {
	ctx := context.Background()
	if timeout >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	_ = p.FlushContext(ctx)
	if p.dr != nil {
		return p.Len() // served means handed to the function
	}
	return p.acct.unreported()
}
