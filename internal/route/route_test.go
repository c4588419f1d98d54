package route

import (
	"context"
	"errors"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/leakcheck"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// newCluster starts a kfake cluster of 3 brokers, closed when the test ends.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// dials counts connections dialed and lets the test cut them.
type dials struct {
	mu    sync.Mutex
	conns []net.Conn
	tried map[string]int // dial attempts by address
}

func (d *dials) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	if d.tried == nil {
		d.tried = map[string]int{}
	}
	d.tried[addr]++
	d.mu.Unlock()
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, network, addr)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, nc)
		d.mu.Unlock()
	}
	return nc, err
}

// count returns how many dials were tried to addr, and how many connections
// were made in all.
func (d *dials) count(addr string) (tried, made int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tried[addr], len(d.conns)
}

// cut closes every connection dialed so far, as a broker or a network
// would.
func (d *dials) cut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, nc := range d.conns {
		nc.Close()
	}
}

// newRouter returns a router over bootstrap whose connections d dials; it
// is closed when the test ends, which must leave no goroutine behind.
func newRouter(t testing.TB, d *dials, bootstrap ...string) *Router {
	t.Helper()
	cfg := broker.Config{ClientID: "route-test", RequestTimeout: 5 * time.Second, DialTimeout: 5 * time.Second, Dial: d.dial}
	r := New(broker.NewConnector(cfg), bootstrap)
	t.Cleanup(func() {
		r.Close()
		checkNoLeaks(t)
	})
	return r
}

// deadAddr returns an address nothing listens on.
func deadAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// learn asks for metadata through Any and hands the brokers to the router,
// as the producer's metadata loop does. It returns their ids, in order,
// and addresses.
func learn(t testing.TB, r *Router) ([]int32, map[int32]string) {
	t.Helper()
	kresp, err := r.Any(ctxFor(t), kmsg.NewPtrMetadataRequest())
	if err != nil {
		t.Fatalf("metadata through Any: %v", err)
	}
	brokers := map[int32]string{}
	var ids []int32
	for _, b := range kresp.(*kmsg.MetadataResponse).Brokers {
		brokers[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		ids = append(ids, b.NodeID)
	}
	slices.Sort(ids)
	r.SetBrokers(brokers)
	return ids, brokers
}

// ctxFor returns a context that ends with the test or after 10 s.
func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// onNode records which broker handles each request with key, from inside
// kfake.
func onNode(c *kfake.Cluster, key kmsg.Key) func() []int32 {
	var mu sync.Mutex
	var nodes []int32
	c.ControlKey(key.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		nodes = append(nodes, c.CurrentNode())
		mu.Unlock()
		return nil, nil, false
	})
	return func() []int32 {
		mu.Lock()
		defer mu.Unlock()
		return append([]int32(nil), nodes...)
	}
}

func TestAnyRotatesPastADeadAddress(t *testing.T) {
	c := newCluster(t)
	dead := deadAddr(t)
	var d dials
	r := newRouter(t, &d, dead, c.ListenAddrs()[0])
	if ids, _ := learn(t, r); len(ids) != 3 {
		t.Fatalf("metadata lists %d brokers, want 3", len(ids))
	}
	if tried, made := d.count(dead); tried != 1 || made != 1 {
		t.Fatalf("dialed the dead address %d times and made %d connections, want 1 and 1", tried, made)
	}
	// The connection that answered is kept.
	if _, err := r.Any(ctxFor(t), kmsg.NewPtrMetadataRequest()); err != nil {
		t.Fatal(err)
	}
	if _, made := d.count(dead); made != 1 {
		t.Fatalf("made %d connections for two requests, want 1", made)
	}
}

func TestAnyReportsUnreachableWhenNoAddressAnswers(t *testing.T) {
	var d dials
	r := newRouter(t, &d, deadAddr(t), deadAddr(t))
	_, err := r.Any(ctxFor(t), kmsg.NewPtrMetadataRequest())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "among 2 addresses") {
		t.Fatalf("got %v, want ErrUnreachable among 2 addresses", err)
	}
}

func TestAnySendsAgainOnAFreshConnectionWhenItsOwnIsCut(t *testing.T) {
	c := newCluster(t)
	var d dials
	r := newRouter(t, &d, c.ListenAddrs()...)
	learn(t, r)
	d.cut()
	if _, err := r.Any(ctxFor(t), kmsg.NewPtrMetadataRequest()); err != nil {
		t.Fatalf("Any after the connection was cut: %v", err)
	}
	if _, made := d.count(""); made != 2 {
		t.Fatalf("made %d connections, want 2", made)
	}
}

func TestAnyLowersTheVersionAndRefusesWhatTheBrokerLacks(t *testing.T) {
	vs := kversion.V4_0_0()
	vs.SetMaxKeyVersion(kmsg.Metadata.Int16(), 5)
	vs.SetMaxKeyVersion(kmsg.InitProducerID.Int16(), -1) // as before Kafka 0.11
	c := newCluster(t, kfake.MaxVersions(vs))
	var d dials
	r := newRouter(t, &d, c.ListenAddrs()...)
	req := kmsg.NewPtrMetadataRequest()
	req.Version = broker.MaxMetadataVersion
	resp, err := r.Any(ctxFor(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetVersion() != 5 {
		t.Fatalf("Metadata answered at v%d, want v5, the broker's newest", resp.GetVersion())
	}
	_, err = r.Any(ctxFor(t), kmsg.NewPtrInitProducerIDRequest())
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("InitProducerId to a broker without it: got %v, want ErrUnsupported", err)
	}
}

func TestBrokerReachesTheGivenNode(t *testing.T) {
	c := newCluster(t)
	var d dials
	r := newRouter(t, &d, c.ListenAddrs()...)
	ids, _ := learn(t, r)
	handled := onNode(c, kmsg.Metadata)
	for _, id := range ids {
		if _, err := r.Broker(ctxFor(t), id, kmsg.NewPtrMetadataRequest()); err != nil {
			t.Fatalf("broker %d: %v", id, err)
		}
	}
	got := handled()
	if len(got) != len(ids) {
		t.Fatalf("brokers handled %v, want %v", got, ids)
	}
	for i := range ids {
		if got[i] != ids[i] {
			t.Fatalf("brokers handled %v, want %v", got, ids)
		}
	}
	if _, err := r.Broker(ctxFor(t), 99, kmsg.NewPtrMetadataRequest()); !errors.Is(err, ErrUnknownBroker) {
		t.Fatalf("broker 99: got %v, want ErrUnknownBroker", err)
	}
}

// initTxn is InitProducerId for transactional id txn, which only its
// transaction coordinator accepts.
func initTxn(txn string) *kmsg.InitProducerIDRequest {
	req := kmsg.NewPtrInitProducerIDRequest()
	req.Version = broker.MaxInitProducerIDVersion
	req.TransactionalID = kmsg.StringPtr(txn)
	req.TransactionTimeoutMillis = 60_000
	req.ProducerID, req.ProducerEpoch = -1, -1
	return req
}

func TestCoordinatorIsFoundOnceAndFoundAgainWhenItMoves(t *testing.T) {
	const txn = "tx-1"
	c := newCluster(t)
	var d dials
	r := newRouter(t, &d, c.ListenAddrs()...)
	learn(t, r)
	finds := onNode(c, kmsg.FindCoordinator)
	inits := onNode(c, kmsg.InitProducerID)
	send := func() int16 {
		t.Helper()
		resp, err := r.Coordinator(ctxFor(t), txn, TransactionCoordinator, initTxn(txn))
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*kmsg.InitProducerIDResponse).ErrorCode
	}
	for range 2 {
		if code := send(); code != 0 {
			t.Fatalf("InitProducerId through Coordinator: error %d", code)
		}
	}
	if n := len(finds()); n != 1 {
		t.Fatalf("sent %d FindCoordinator for two requests, want 1 (cached)", n)
	}
	was := c.CoordinatorFor(txn)
	for _, n := range inits() {
		if n != was {
			t.Fatalf("InitProducerId handled by brokers %v, want all by the coordinator %d", inits(), was)
		}
	}

	for c.CoordinatorFor(txn) == was {
		c.RehashCoordinators()
	}
	if code := send(); code != 16 { // NOT_COORDINATOR, from the old one
		t.Fatalf("after the coordinator moved: error %d, want NOT_COORDINATOR (16)", code)
	}
	if code := send(); code != 0 {
		t.Fatalf("after NOT_COORDINATOR: error %d, want the new coordinator's answer", code)
	}
	if n := len(finds()); n != 2 {
		t.Fatalf("sent %d FindCoordinator in all, want 2", n)
	}
	if got := inits(); got[len(got)-1] != c.CoordinatorFor(txn) {
		t.Fatalf("last InitProducerId handled by broker %d, want the new coordinator %d", got[len(got)-1], c.CoordinatorFor(txn))
	}
}

func TestCoordinatorIsFoundAgainAfterAnInjectedNotCoordinator(t *testing.T) {
	const group = "g-1"
	c := newCluster(t)
	var d dials
	r := newRouter(t, &d, c.ListenAddrs()...)
	learn(t, r)
	finds := onNode(c, kmsg.FindCoordinator)
	var injected atomic.Bool
	c.ControlKey(kmsg.DescribeGroups.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if !injected.CompareAndSwap(false, true) {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
		g := kmsg.NewDescribeGroupsResponseGroup()
		g.Group, g.ErrorCode = group, 16 // NOT_COORDINATOR
		resp.Groups = append(resp.Groups, g)
		return resp, nil, true
	})
	describe := func() int16 {
		t.Helper()
		req := kmsg.NewPtrDescribeGroupsRequest()
		req.Groups = []string{group}
		resp, err := r.Coordinator(ctxFor(t), group, GroupCoordinator, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*kmsg.DescribeGroupsResponse).Groups[0].ErrorCode
	}
	if code := describe(); code != 16 {
		t.Fatalf("first DescribeGroups: error %d, want the injected NOT_COORDINATOR", code)
	}
	if code := describe(); code != 0 {
		t.Fatalf("second DescribeGroups: error %d, want 0", code)
	}
	if n := len(finds()); n != 2 {
		t.Fatalf("sent %d FindCoordinator, want 2: the coordinator is looked up again after NOT_COORDINATOR", n)
	}
	if got := finds(); got[0] == -1 {
		t.Fatalf("FindCoordinator handled by %v", got)
	}
}

func TestSetBrokersClosesTheConnectionToAMovedBroker(t *testing.T) {
	c := newCluster(t)
	var d dials
	r := newRouter(t, &d, c.ListenAddrs()...)
	ids, brokers := learn(t, r)
	id := ids[0]
	if _, err := r.Broker(ctxFor(t), id, kmsg.NewPtrMetadataRequest()); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	s := r.slots[observe.Node{ID: id, Addr: brokers[id]}]
	r.mu.Unlock()
	c0 := s.live()
	if c0 == nil {
		t.Fatal("no connection to the broker")
	}
	moved := maps.Clone(brokers)
	moved[id] = deadAddr(t)
	r.SetBrokers(moved)
	if c0.Err() == nil {
		t.Fatal("the connection to the broker's old address is still open")
	}
	if _, err := r.Broker(ctxFor(t), id, kmsg.NewPtrMetadataRequest()); err == nil {
		t.Fatal("a request reached the broker's old address")
	}
}

func TestCloseEndsAnyAsyncAndItsDial(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	cfg := broker.Config{Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		select { // a dial that hangs until cancelled
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-release:
			return nil, errors.New("released")
		}
	}}
	r := New(broker.NewConnector(cfg), []string{"hanging:9092"})
	done := make(chan error, 1)
	r.AnyAsync(kmsg.NewPtrMetadataRequest(), func(_ kmsg.Response, err error) { done <- err })
	r.Close() // waits for the goroutine
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("AnyAsync succeeded on a router closed during its dial")
		}
	default:
		t.Fatal("Close returned before AnyAsync's callback ran")
	}
	r.AnyAsync(kmsg.NewPtrMetadataRequest(), func(_ kmsg.Response, err error) { done <- err })
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("AnyAsync after Close: got %v, want ErrClosed", err)
	}
	checkNoLeaks(t)
}

// checkNoLeaks fails the test if goroutines started inside kprod's packages
// are still running 5 s after the router closed (leakcheck.Check).
func checkNoLeaks(t testing.TB) { t.Helper(); leakcheck.Check(t) }

func TestAnyWaitsForTheThrottleOfTheBrokerItUses(t *testing.T) {
	const throttle = 200 * time.Millisecond
	c := newCluster(t, kfake.NumBrokers(1))
	var mu sync.Mutex
	var answered time.Time
	var arrived []time.Time
	c.ControlKey(kmsg.Metadata.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		arrived = append(arrived, time.Now())
		if len(arrived) > 1 {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		resp.ThrottleMillis = int32(throttle / time.Millisecond)
		answered = time.Now()
		return resp, nil, true
	})
	var d dials
	r := newRouter(t, &d, c.ListenAddrs()[0])
	for range 2 {
		req := kmsg.NewPtrMetadataRequest()
		req.Version = 8 // v6+: the broker throttles after its answer (KIP-219)
		if _, err := r.Any(ctxFor(t), req); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrived) != 2 {
		t.Fatalf("got %d Metadata requests, want 2", len(arrived))
	}
	if waited := arrived[1].Sub(answered); waited < throttle {
		t.Fatalf("the second request came %v after the throttled answer, want at least %v", waited, throttle)
	}
	if _, made := d.count(c.ListenAddrs()[0]); made != 1 {
		t.Fatalf("made %d connections, want 1: the throttled one is kept", made)
	}
}
