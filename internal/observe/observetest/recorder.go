// Package observetest is test support: an observe.Observer that records
// every event, for tests to count.
package observetest

import (
	"sync"

	"github.com/kprod-go/kprod/internal/observe"
)

// Recorder records every event it is told of. It is safe for concurrent
// use; its accessors return copies.
type Recorder struct {
	// mu guards the following.
	mu          sync.Mutex
	connects    []observe.Connect
	disconnects []observe.Disconnect
	written     []observe.RequestWritten
	read        []observe.ResponseRead
	throttles   []observe.Throttle
	batches     []observe.BatchWritten
}

var _ observe.Observer = (*Recorder)(nil)

// OnConnect records e.
func (r *Recorder) OnConnect(e observe.Connect) {
	r.mu.Lock()
	r.connects = append(r.connects, e)
	r.mu.Unlock()
}

// OnDisconnect records e.
func (r *Recorder) OnDisconnect(e observe.Disconnect) {
	r.mu.Lock()
	r.disconnects = append(r.disconnects, e)
	r.mu.Unlock()
}

// OnRequestWritten records e.
func (r *Recorder) OnRequestWritten(e observe.RequestWritten) {
	r.mu.Lock()
	r.written = append(r.written, e)
	r.mu.Unlock()
}

// OnResponseRead records e.
func (r *Recorder) OnResponseRead(e observe.ResponseRead) {
	r.mu.Lock()
	r.read = append(r.read, e)
	r.mu.Unlock()
}

// OnThrottle records e.
func (r *Recorder) OnThrottle(e observe.Throttle) {
	r.mu.Lock()
	r.throttles = append(r.throttles, e)
	r.mu.Unlock()
}

// OnBatchWritten records e.
func (r *Recorder) OnBatchWritten(e observe.BatchWritten) {
	r.mu.Lock()
	r.batches = append(r.batches, e)
	r.mu.Unlock()
}

// Connects returns the OnConnect events so far.
func (r *Recorder) Connects() []observe.Connect {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clone(r.connects)
}

// Disconnects returns the OnDisconnect events so far.
func (r *Recorder) Disconnects() []observe.Disconnect {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clone(r.disconnects)
}

// Written returns the OnRequestWritten events so far.
func (r *Recorder) Written() []observe.RequestWritten {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clone(r.written)
}

// Read returns the OnResponseRead events so far.
func (r *Recorder) Read() []observe.ResponseRead {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clone(r.read)
}

// Throttles returns the OnThrottle events so far.
func (r *Recorder) Throttles() []observe.Throttle {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clone(r.throttles)
}

// Batches returns the OnBatchWritten events so far.
func (r *Recorder) Batches() []observe.BatchWritten {
	r.mu.Lock()
	defer r.mu.Unlock()
	return clone(r.batches)
}

// Exchange counts one broker's requests of one kind.
type Exchange struct {
	Node observe.Node
	Key  int16
}

// Unmatched returns, per broker and request kind, how many requests
// written expecting a response (a write error included) have no
// OnResponseRead, or, negative, how many OnResponseRead have no request:
// a closed producer leaves none either way. Kinds that match are left out.
func (r *Recorder) Unmatched() map[Exchange]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := map[Exchange]int{}
	for _, w := range r.written {
		if !w.NoResponse {
			n[Exchange{w.Node, w.Key}]++
		}
	}
	for _, rd := range r.read {
		n[Exchange{rd.Node, rd.Key}]--
	}
	for k, v := range n {
		if v == 0 {
			delete(n, k)
		}
	}
	return n
}

func clone[T any](s []T) []T { return append([]T(nil), s...) }
