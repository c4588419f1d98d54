package sender

import "github.com/kprod-go/kprod/accumulator"

// The connection writes a request's batches from their chunks while the
// request may already be settling on another goroutine: a purge of
// requests in flight, a connection closed by its reader, or a broker that
// answers before it has read the whole request. Until the write returns,
// nothing may reuse those chunks (Release) or rewrite a batch's header (a
// retry that sends it again), so such steps wait in the request's write
// gate and run when the write is over.

// beginWrite marks r as being written.
func (r *request) beginWrite() {
	r.wmu.Lock()
	r.writing = true
	r.wmu.Unlock()
}

// endWrite marks the write over and runs what waited for it.
func (r *request) endWrite(s *Sender) {
	r.wmu.Lock()
	r.writing = false
	waiting := r.afterWrite
	r.afterWrite = nil
	r.wmu.Unlock()
	for _, w := range waiting {
		if w.requeue != nil {
			s.requeue(w.requeue)
		} else {
			accumulator.Release(w.release)
		}
	}
}

// deferred is one step waiting for a request's write: a batch to release,
// or an attempt to put back in its queue.
type deferred struct {
	release *accumulator.Batch
	requeue *inflight
}

// later queues w if r is being written and reports whether it did.
func (r *request) later(w deferred) bool {
	if r == nil {
		return false
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if !r.writing {
		return false
	}
	r.afterWrite = append(r.afterWrite, w)
	return true
}

// completeInflight completes an attempt's batch: its outcome goes out now,
// its memory is released once its request is no longer being written.
func (s *Sender) completeInflight(t *inflight, o Outcome) {
	s.results.Complete(t.p, t.b, o)
	if !t.r.later(deferred{release: t.b}) {
		accumulator.Release(t.b)
	}
}
