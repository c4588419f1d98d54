// Package route sends the producer's control requests — Metadata,
// InitProducerId, FindCoordinator, and the transaction coordinator's
// requests to come — to the broker they need: any reachable one, a given
// one, or the coordinator of a key.
//
// The Router keeps its own connections, one per broker address, separate
// from the sinks' produce connections, so that a slow control request
// never waits behind Produce requests nor holds them up. Every connection
// is made by the same broker.Connector as the sinks', so the TLS and SASL
// steps, ApiVersions and the observer apply to both.
package route

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Errors a Router returns besides a connection's own.
var (
	// ErrUnreachable means no broker could be connected to, bootstrap
	// servers included: librdkafka's "all brokers down".
	ErrUnreachable = errors.New("no broker reachable")
	// ErrUnsupported means the broker supports no version of the request.
	ErrUnsupported = errors.New("unsupported request")
	// ErrUnknownBroker means the metadata lists no broker with that id.
	ErrUnknownBroker = errors.New("unknown broker")
	// ErrClosed means the router is closed.
	ErrClosed = errors.New("router closed")
)

// Router sends requests to brokers over connections of its own. It knows
// the bootstrap servers and the brokers the latest metadata listed
// (SetBrokers). Its methods are safe for concurrent use and block until
// the answer comes, ctx ends, or the connection's socket.timeout.ms
// passes.
//
// A request's version is the lower of the version it carries and the
// highest the chosen broker supports: set it to the highest the caller can
// read, and check the response's.
//
// Dials run on the calling goroutine, and each connection's reader is the
// connection's; the only goroutines the Router starts are AnyAsync's, one
// per call. Close ends the dials and requests under way, closes every
// connection and waits for AnyAsync's goroutines.
type Router struct {
	connector *broker.Connector
	bootstrap []observe.Node
	ctx       context.Context // ends with Close: dials and AnyAsync requests under way give up
	cancel    context.CancelFunc
	async     sync.WaitGroup // AnyAsync's goroutines

	// mu guards the following. It is taken before a slot's mu.
	mu      sync.Mutex
	brokers map[int32]string       // node id → address, from the latest metadata
	learned []observe.Node         // brokers, by node id
	slots   map[observe.Node]*slot // one connection per broker address
	current observe.Node           // where Any last connected
	next    int                    // where Any starts looking among learned then bootstrap
	coords  map[coordKey]observe.Node
	closed  bool
}

// New returns a router that connects with connector and starts from the
// bootstrap servers (host:port each).
func New(connector *broker.Connector, bootstrap []string) *Router {
	r := &Router{
		connector: connector,
		brokers:   map[int32]string{},
		slots:     map[observe.Node]*slot{},
		coords:    map[coordKey]observe.Node{},
		current:   observe.Node{ID: -1},
	}
	for _, addr := range bootstrap {
		r.bootstrap = append(r.bootstrap, observe.Node{ID: -1, Addr: addr})
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// SetBrokers records the brokers the metadata lists. A connection to a
// broker now listed at another address is closed: the old address may
// answer as another broker. Connections to brokers no longer listed stay,
// as the sinks' do, in case the broker comes back.
func (r *Router) SetBrokers(brokers map[int32]string) {
	var stale []*slot
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.brokers = make(map[int32]string, len(brokers))
	r.learned = make([]observe.Node, 0, len(brokers)) // anyConn may be reading the old one
	for id, addr := range brokers {
		r.brokers[id] = addr
		r.learned = append(r.learned, observe.Node{ID: id, Addr: addr})
	}
	slices.SortFunc(r.learned, func(a, b observe.Node) int { return cmp.Compare(a.ID, b.ID) })
	for n, s := range r.slots {
		if addr, ok := brokers[n.ID]; ok && n.ID >= 0 && addr != n.Addr {
			delete(r.slots, n)
			stale = append(stale, s)
		}
	}
	for k, n := range r.coords {
		if addr, ok := brokers[n.ID]; ok && addr != n.Addr {
			delete(r.coords, k)
		}
	}
	r.mu.Unlock()
	for _, s := range stale {
		s.close(fmt.Errorf("%w: broker %d moved to a new address", broker.ErrClosed, s.node.ID))
	}
}

// Any sends req to any reachable broker: the one Any last reached while
// its connection lasts, else the next in turn that can be connected to,
// brokers from the metadata first, then the bootstrap servers. A request
// that fails with its connection is sent once more, on a fresh one (the
// connection may have gone stale while idle). When no broker can be
// connected to, the error wraps ErrUnreachable.
func (r *Router) Any(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	maxV := req.GetVersion()
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var c *broker.Conn
		if c, err = r.anyConn(ctx); err != nil {
			return nil, err
		}
		var resp kmsg.Response
		if resp, _, err = request(ctx, c, req, maxV); err == nil || c.Err() == nil {
			return resp, err // answered, refused before sending, or ctx ended
		}
	}
	return nil, err
}

// AnyAsync is Any on a goroutine of the router's, for a caller that must
// not block: done is called there with Any's result, once. After Close,
// or when Close comes first, done gets ErrClosed or the cancellation.
func (r *Router) AnyAsync(req kmsg.Request, done func(kmsg.Response, error)) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		done(nil, ErrClosed)
		return
	}
	r.async.Add(1) // under mu: Close cannot be waiting yet
	r.mu.Unlock()
	go func() {
		defer r.async.Done()
		done(r.Any(r.ctx, req))
	}()
}

// anyConn returns the connection Any uses, connecting to the next broker in
// turn when it has none.
func (r *Router) anyConn(ctx context.Context) (*broker.Conn, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	if s := r.slots[r.current]; s != nil {
		if c := s.live(); c != nil {
			r.mu.Unlock()
			return c, nil
		}
	}
	nodes := append(slices.Clip(r.learned), r.bootstrap...)
	start := r.next
	r.mu.Unlock()
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%w: no broker address known", ErrUnreachable)
	}
	var last error
	for i := range nodes {
		n := nodes[(start+i)%len(nodes)]
		c, err := r.connect(ctx, n)
		if err == nil {
			r.mu.Lock()
			r.next = (start + i + 1) % len(nodes)
			r.current = n
			r.mu.Unlock()
			return c, nil
		}
		if ctx.Err() != nil || r.ctx.Err() != nil {
			return nil, err
		}
		last = err
	}
	r.mu.Lock()
	r.next = rand.IntN(len(nodes))
	r.mu.Unlock()
	return nil, fmt.Errorf("%w among %d addresses: %w", ErrUnreachable, len(nodes), last)
}

// Broker sends req to the broker with node id, as the latest metadata lists
// it. It sends on a fresh connection when the one it had turns out closed
// before the request could be written, but never sends a request twice.
func (r *Router) Broker(ctx context.Context, id int32, req kmsg.Request) (kmsg.Response, error) {
	r.mu.Lock()
	addr, ok := r.brokers[id]
	r.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w %d: not in the metadata", ErrUnknownBroker, id)
	}
	return r.send(ctx, observe.Node{ID: id, Addr: addr}, req)
}

// send sends req to node, on a fresh connection when the one it had was
// found closed before the request could be written.
func (r *Router) send(ctx context.Context, node observe.Node, req kmsg.Request) (kmsg.Response, error) {
	maxV := req.GetVersion()
	for attempt := 0; ; attempt++ {
		c, err := r.connect(ctx, node)
		if err != nil {
			return nil, err
		}
		resp, sent, err := request(ctx, c, req, maxV)
		if err == nil || sent || attempt > 0 || c.Err() == nil {
			return resp, err
		}
	}
}

// connect returns the router's open connection to node, dialing it if
// needed.
func (r *Router) connect(ctx context.Context, node observe.Node) (*broker.Conn, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	s := r.slots[node]
	if s == nil {
		s = &slot{node: node}
		r.slots[node] = s
	}
	r.mu.Unlock()
	return s.get(ctx, r.ctx, r.connector)
}

// request sends req on c at the highest version both it (up to maxV) and
// the broker support, and waits for the answer. sent reports whether the
// request may have reached the broker.
func request(ctx context.Context, c *broker.Conn, req kmsg.Request, maxV int16) (resp kmsg.Response, sent bool, err error) {
	v := min(c.MaxVersion(req.Key()), maxV)
	if v < 0 {
		return nil, false, fmt.Errorf("%w: broker %s does not support %s", ErrUnsupported, c.Addr(), kmsg.NameForKey(req.Key()))
	}
	req.SetVersion(v)
	// KIP-219: nothing goes to a broker that throttled the connection
	// until the throttle passes.
	if err := c.WaitThrottle(ctx); err != nil {
		return nil, false, err
	}
	return c.Request(ctx, req)
}

// Close closes every connection of the router, ends the dials and requests
// under way, and waits for AnyAsync's goroutines (their done callbacks
// included); later requests fail with ErrClosed.
func (r *Router) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	slots := make([]*slot, 0, len(r.slots))
	for _, s := range r.slots {
		slots = append(slots, s)
	}
	clear(r.slots)
	r.mu.Unlock()
	r.cancel()
	for _, s := range slots {
		s.close(fmt.Errorf("%w: %w", broker.ErrClosed, ErrClosed))
	}
	r.async.Wait()
}
