package sender

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
)

// Sink sends the batches of the partitions one broker leads. It owns one
// goroutine (loop), started by Sender.SetBrokers and stopped by
// Sender.Close, and that goroutine owns the broker connection.
type Sink struct {
	s    *Sender
	id   int32
	wake chan struct{} // capacity 1: a pending wake-up
	stop chan struct{} // closed by Sender.Close

	connector *broker.Connector // sets the produce connection up: dial, TLS, ApiVersions, SASL

	parts atomic.Pointer[[]*Partition] // copy-on-write under mu

	// mu guards the following and the writes of parts.
	mu       sync.Mutex
	addr     string
	requests map[*request]struct{} // sent and not yet settled, for PurgeInflight

	addrChanged atomic.Bool // set by setAddr: the connection goes to an address the broker left
	// live is the loop's connection, for the stop watcher: Sender.Close
	// aborts it from there, so that a loop blocked writing to a broker
	// that stopped reading (its socket buffers full) is woken at once,
	// not when the write deadline (socket.timeout.ms) passes.
	live   atomic.Pointer[broker.Conn]
	redial atomic.Bool // set by Sender.Redial: the next dial need not wait for the backoff

	// Owned by the loop goroutine.
	conn      *broker.Conn
	dialFails int
	nextDial  int64       // monotonic time before which no dial is tried
	rr        int         // where the next request starts among parts, for fairness
	taken     []bool      // build's scratch: which partitions gave a batch to the request
	scratch   prepScratch // prepare's scratch space for compressing
}

func newSink(s *Sender, id int32, addr string) *Sink {
	sk := &Sink{s: s, id: id, connector: broker.NewConnector(s.cfg.Broker), addr: addr,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), requests: make(map[*request]struct{})}
	sk.parts.Store(new([]*Partition))
	return sk
}

// Wake asks the sink to look at its partitions soon. It never blocks.
func (sk *Sink) Wake() {
	select {
	case sk.wake <- struct{}{}:
	default:
	}
}

// setAddr records the broker's address from metadata. When it moved, the
// sink drops its connection and dials the new address: the old one may
// still answer, as another broker or as a broker that leads nothing.
func (sk *Sink) setAddr(addr string) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if sk.addr != addr {
		sk.addr = addr
		sk.addrChanged.Store(true)
		sk.Wake()
	}
}

func (sk *Sink) add(p *Partition) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	old := *sk.parts.Load()
	next := make([]*Partition, len(old), len(old)+1)
	copy(next, old)
	next = append(next, p)
	sk.parts.Store(&next)
}

func (sk *Sink) remove(p *Partition) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	old := *sk.parts.Load()
	next := make([]*Partition, 0, len(old))
	for _, q := range old {
		if q != p {
			next = append(next, q)
		}
	}
	sk.parts.Store(&next)
}

// loop waits for work and sends it until the sink is stopped.
func (sk *Sink) loop() {
	defer sk.s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	// The watcher may be failing the connection's requests (their reports
	// go up from it): the loop, which Sender.Close waits for, ends after it.
	defer func() { cancel(); <-watched }()
	go func() { // when the sink stops: cancels a dial in progress, aborts the connection; exits with loop
		defer close(watched)
		select {
		case <-sk.stop:
			cancel()
			if c := sk.live.Load(); c != nil {
				c.Abort(broker.ErrClosed) // a write blocked on it fails now; its requests fail with it
			}
		case <-ctx.Done():
		}
	}()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-sk.stop:
			if sk.conn != nil {
				sk.conn.Close(broker.ErrClosed)
			}
			return
		case <-sk.wake:
		case <-timer.C:
		}
		next := sk.drain(ctx)
		timer.Stop()
		if next >= 0 {
			timer.Reset(time.Duration(max(next-sk.s.clock.Now(), 0)))
		}
	}
}

// connection returns a live connection, dialing one when there is none and
// the reconnect backoff allows. It returns nil when there is none yet.
func (sk *Sink) connection(ctx context.Context, now int64) *broker.Conn {
	if sk.addrChanged.Swap(false) && sk.conn != nil {
		sk.conn.Close(fmt.Errorf("%w: broker %d moved to a new address", broker.ErrClosed, sk.id))
		sk.nextDial = 0
	}
	if sk.conn != nil {
		if sk.conn.Err() == nil {
			return sk.conn
		}
		sk.conn = nil
		sk.s.results.RefreshMetadata("lost connection to broker")
	}
	if sk.redial.Swap(false) {
		sk.nextDial = 0
	}
	if now < sk.nextDial {
		return nil
	}
	sk.mu.Lock()
	addr := sk.addr
	sk.mu.Unlock()
	c, err := sk.connector.Connect(ctx, observe.Node{ID: sk.id, Addr: addr})
	if err != nil {
		sk.dialFails++
		sk.nextDial = sk.s.clock.Now() + int64(reconnectBackoff(sk.s.cfg.ReconnectBackoff, sk.s.cfg.ReconnectBackoffMax, sk.dialFails))
		sk.s.results.RefreshMetadata("cannot connect to broker")
		return nil
	}
	sk.dialFails = 0
	sk.conn = c
	sk.live.Store(c)
	select {
	case <-sk.stop: // the stop watcher may have looked before the store
		c.Abort(broker.ErrClosed)
	default:
	}
	go func() { // wakes the sink when the connection dies, so it redials; exits with the connection
		<-c.Done()
		sk.Wake()
	}()
	return c
}

// drain sends every ready batch the in-flight limit allows and returns the
// monotonic time at which it should run again, or -1 to wait for a wake-up.
func (sk *Sink) drain(ctx context.Context) int64 {
	parts := *sk.parts.Load()
	if len(parts) == 0 {
		return -1
	}
	now := sk.s.clock.Now()
	flushing := sk.s.flushing.Load() > 0
	next := earliestReady(parts, flushing)
	if next < 0 || next > now {
		return next
	}
	conn := sk.connection(ctx, now)
	if conn == nil {
		if sk.nextDial > next {
			return sk.nextDial
		}
		return next
	}
	if sk.s.cfg.Idempotent {
		if ok, at := sk.ensurePID(now); !ok {
			return at
		}
	}
	for conn.InFlight() < sk.s.cfg.MaxInFlight {
		if left := conn.ThrottleLeft(); left > 0 {
			// KIP-219: the broker mutes the connection for the throttle
			// time; a request written now would only wait in its socket
			// buffer, its timeout running. Batches keep filling meanwhile.
			return sk.s.clock.Now() + int64(left)
		}
		req, wakeAt := sk.build(conn, parts, sk.s.clock.Now(), flushing)
		if req == nil {
			return wakeAt
		}
		sk.send(conn, req)
		if conn.Err() != nil {
			return sk.s.clock.Now()
		}
	}
	return -1 // a response frees a slot and wakes the sink
}

// earliestReady returns the earliest time any partition's head batch is
// ready, or -1 when every queue is empty.
func earliestReady(parts []*Partition, flushing bool) int64 {
	next := int64(-1)
	for _, p := range parts {
		if at := p.Queue.ReadyAt(flushing); at >= 0 && (next < 0 || at < next) {
			next = at
		}
	}
	return next
}

// backoff returns the retry backoff after k counted retries: retry.backoff.ms
// doubled per retry, times a jitter in [0.8, 1.2], at most retry.backoff.max.ms.
func backoff(base, maxB time.Duration, k int) time.Duration {
	d := base
	if k > 1 {
		d = base << min(k-1, 30)
		if d <= 0 || d > maxB {
			d = maxB
		}
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return min(d, maxB)
}

// reconnectBackoff returns the wait before redialing after fails failures:
// reconnect.backoff.ms doubled per failure with -25%/+50% jitter, at most
// reconnect.backoff.max.ms, as librdkafka does.
func reconnectBackoff(base, maxB time.Duration, fails int) time.Duration {
	d := base << min(fails-1, 30)
	if d <= 0 || d > maxB {
		d = maxB
	}
	d = time.Duration(float64(d) * (0.75 + 0.75*rand.Float64()))
	return min(d, maxB)
}

// track records r as in flight until untrack.
func (sk *Sink) track(r *request) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	sk.requests[r] = struct{}{}
}

// untrack forgets a settled request.
func (sk *Sink) untrack(r *request) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	delete(sk.requests, r)
}

// takeRequests claims every request in flight, for a purge: the ones it
// returns are settled by the caller, and their answers will be ignored.
func (sk *Sink) takeRequests() []*request {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	out := make([]*request, 0, len(sk.requests))
	for r := range sk.requests {
		if r.settled.CompareAndSwap(false, true) {
			out = append(out, r)
		}
		delete(sk.requests, r)
	}
	return out
}
