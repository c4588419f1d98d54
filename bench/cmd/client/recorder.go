package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/bench/internal/hist"
)

// recorder counts delivery reports and their latency. Report is called from
// whatever goroutine a client delivers reports on, possibly several at once;
// it takes no lock and does not allocate.
type recorder struct {
	epoch time.Time // monotonic base of now
	hist  hist.Histogram
	done  atomic.Int64 // reports received, success or failure
	fail  atomic.Int64 // failed reports

	// The producing goroutine sleeps on wake until done reaches want.
	waiting atomic.Bool
	want    atomic.Int64
	wake    chan struct{} // capacity 1

	errOnce  sync.Once
	firstErr string
}

func newRecorder() *recorder {
	return &recorder{epoch: time.Now(), wake: make(chan struct{}, 1)}
}

// now returns monotonic nanoseconds since the recorder was made; always > 0
// once any time has passed, so 0 can mean "not sampled".
func (r *recorder) now() int64 { return int64(time.Since(r.epoch)) + 1 }

// Report records one message's delivery report. start is the value of now
// when it was produced, or 0 when its latency is not sampled.
func (r *recorder) Report(start int64, err error) {
	if err != nil {
		r.fail.Add(1)
		r.errOnce.Do(func() { r.firstErr = err.Error() })
	} else if start > 0 {
		r.hist.Record(time.Duration(r.now() - start))
	}
	d := r.done.Add(1)
	if r.waiting.Load() && d >= r.want.Load() && r.waiting.CompareAndSwap(true, false) {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// waitDone blocks until at least until reports have arrived, or the
// deadline passes (then it returns false). Only the producing goroutine
// calls it.
func (r *recorder) waitDone(until int64, deadline <-chan time.Time) bool {
	for r.done.Load() < until {
		r.want.Store(until)
		r.waiting.Store(true)
		if r.done.Load() >= until {
			r.waiting.Store(false)
			return true
		}
		select {
		case <-r.wake:
		case <-deadline:
			return false
		}
	}
	return true
}
