package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/producer"
)

// reporter serves delivery reports from Poll on its own goroutine: it
// counts them, records their latency, recycles the messages and prints the
// progress lines.
type reporter struct {
	p        *producer.Producer
	free     chan<- *item
	recycle  bool
	quiet    bool
	interval time.Duration
	epoch    time.Time

	// The generator sleeps on room after ErrQueueFull until want reports
	// have been served.
	served  atomic.Int64
	want    atomic.Int64
	waiting atomic.Bool
	room    chan struct{} // capacity 1

	target atomic.Int64 // messages to wait for, once known; 0 until then
	done   chan struct{}

	st stats // owned by loop until done is closed
}

func (r *reporter) loop() {
	defer close(r.done)
	r.st.lastLine = time.Now()
	for {
		switch e := r.p.Poll(100 * time.Millisecond).(type) {
		case *producer.Message:
			r.report(e)
		case producer.Error:
			fmt.Fprintln(os.Stderr, "producer error:", e)
		}
		now := time.Now()
		if !r.quiet && now.Sub(r.st.lastLine) >= r.interval {
			r.st.progress(os.Stdout, now, now.Sub(r.epoch), r.p.Len())
		}
		// target: 0 while producing, then the number of messages sent
		// (-1 when none was).
		if t := r.target.Load(); t < 0 || (t > 0 && r.st.delivered+r.st.failed >= t) {
			return
		}
	}
}

func (r *reporter) report(m *producer.Message) {
	it := m.Opaque.(*item)
	s := &r.st
	if m.Err != nil {
		s.failed++
		if s.firstErr == nil {
			s.firstErr = m.Err
		}
	} else {
		s.delivered++
		s.bytes += int64(len(m.Key) + len(m.Value))
		lat := time.Since(r.epoch) - time.Duration(it.start)
		s.total.record(lat)
		s.window.record(lat)
	}
	if r.recycle {
		select {
		case r.free <- it:
		default: // the free list is full: let this one go
		}
	}
	n := r.served.Add(1)
	if r.waiting.Load() && n >= r.want.Load() && r.waiting.CompareAndSwap(true, false) {
		select {
		case r.room <- struct{}{}:
		default:
		}
	}
}

// waitForRoom blocks the generator until a quarter of the messages the
// producer holds have been served (at least one), so that it does not spin
// on ErrQueueFull one message at a time.
func (r *reporter) waitForRoom(ctx context.Context) {
	until := r.served.Load() + max(int64(r.p.Len())/4, 1)
	for r.served.Load() < until {
		r.want.Store(until)
		r.waiting.Store(true)
		if r.served.Load() >= until {
			r.waiting.Store(false)
			return
		}
		select {
		case <-r.room:
		case <-ctx.Done():
			return
		case <-time.After(time.Second): // Len counted reports not yet served
			return
		}
	}
}

// finish waits until the reports of all sent messages have been served, or
// 10 s; Flush has already waited for them to be produced.
func (r *reporter) finish(sent int64) {
	if sent == 0 {
		r.target.Store(-1)
	} else {
		r.target.Store(sent)
	}
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		fmt.Fprintln(os.Stderr, "perf: gave up waiting for delivery reports")
	}
}
