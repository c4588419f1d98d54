package broker_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/kprod-go/kprod/producer/sasl"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// reauthCluster is a kfake broker with SCRAM-SHA-256 whose SASL sessions
// last lifetime, and a count of the SaslHandshakes it has seen.
func reauthCluster(t *testing.T, lifetime time.Duration) (*kfake.Cluster, *atomic.Int64) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "u", "p"),
		kfake.BrokerConfigs(map[string]string{"connections.max.reauth.ms": strconv.FormatInt(lifetime.Milliseconds(), 10)}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var handshakes atomic.Int64
	c.ControlKey(int16(kmsg.SASLHandshake), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		handshakes.Add(1)
		return nil, nil, false
	})
	return c, &handshakes
}

func TestRequestsSentDuringReauthenticationAreHeldAndAnsweredInOrder(t *testing.T) {
	c, handshakes := reauthCluster(t, 300*time.Millisecond)
	var failed []error
	var mu sync.Mutex
	k := broker.NewConnector(broker.Config{
		ClientID: "t", RequestTimeout: 5 * time.Second, DialTimeout: 5 * time.Second,
		Authenticate: broker.SASL(sasl.ScramSHA256(sasl.Static("u", "p"))),
		Failed: func(e *broker.ConnectError) {
			mu.Lock()
			failed = append(failed, e)
			mu.Unlock()
		},
	})
	conn, err := k.Connect(context.Background(), observe.Node{ID: -1, Addr: c.ListenAddrs()[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(nil)
	// Send requests back to back for four session lifetimes: each is
	// answered, in send order, across the re-authentications.
	var answered, outOfOrder atomic.Int64
	var next atomic.Int64
	deadline := time.Now().Add(1200 * time.Millisecond)
	for i := int64(0); time.Now().Before(deadline); i++ {
		i := i
		req := kmsg.NewPtrMetadataRequest()
		req.Version = 4
		if err := conn.Send(req, func(_ kmsg.Response, err error) {
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			if next.Swap(i+1) != i {
				outOfOrder.Add(1)
			}
			answered.Add(1)
		}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		waitUntil(t, func() bool { return conn.InFlight() <= 5 }) // a pipeline of five, as a sink keeps
	}
	waitUntil(t, func() bool { return conn.InFlight() == 0 })
	if conn.Err() != nil {
		t.Fatalf("the connection closed: %v", conn.Err())
	}
	if n := handshakes.Load(); n < 4 {
		t.Errorf("got %d SaslHandshakes in 1.2 s of 300 ms sessions, want at least 4", n)
	}
	if n := outOfOrder.Load(); n != 0 {
		t.Errorf("%d responses out of send order", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failed) != 0 {
		t.Errorf("failures reported: %v", failed)
	}
	t.Logf("%d requests answered, %d handshakes", answered.Load(), handshakes.Load())
}

func TestAFailedReauthenticationClosesTheConnectionAndIsTold(t *testing.T) {
	c, _ := reauthCluster(t, 200*time.Millisecond)
	var password atomic.Value
	password.Store("p")
	creds := func(context.Context) (sasl.Credentials, error) {
		return sasl.Credentials{Username: "u", Password: password.Load().(string)}, nil
	}
	told := make(chan *broker.ConnectError, 4)
	k := broker.NewConnector(broker.Config{
		ClientID: "t", RequestTimeout: 5 * time.Second, DialTimeout: 5 * time.Second,
		Authenticate: broker.SASL(sasl.ScramSHA256(creds)),
		Failed:       func(e *broker.ConnectError) { told <- e },
	})
	conn, err := k.Connect(context.Background(), observe.Node{ID: 1, Addr: c.ListenAddrs()[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(nil)
	password.Store("wrong")
	select {
	case e := <-told:
		if e.Step != broker.StepReauth || !errors.Is(e, broker.ErrAuthentication) {
			t.Errorf("told %v (step %v), want a re-authentication failure", e, e.Step)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no failure told within 5 s")
	}
	select {
	case <-conn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the connection stayed open after its re-authentication failed")
	}
	// A request sent now fails at once rather than waiting.
	if err := conn.Send(kmsg.NewPtrMetadataRequest(), func(kmsg.Response, error) {}); err == nil {
		t.Error("Send on the closed connection succeeded")
	}
}

// blockingMechanism is PLAIN whose re-authentications (every Authenticate
// after the first) wait until their context ends.
type blockingMechanism struct {
	calls   atomic.Int64
	waiting chan struct{} // closed when a re-authentication waits
}

func (*blockingMechanism) Name() string { return "SCRAM-SHA-256" }
func (m *blockingMechanism) Authenticate(ctx context.Context, host string) (sasl.Session, []byte, error) {
	if m.calls.Add(1) > 1 {
		close(m.waiting)
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}
	return sasl.ScramSHA256(sasl.Static("u", "p")).Authenticate(ctx, host)
}

func TestCloseEndsAReauthenticationUnderWay(t *testing.T) {
	c, _ := reauthCluster(t, 200*time.Millisecond)
	m := &blockingMechanism{waiting: make(chan struct{})}
	k := broker.NewConnector(broker.Config{
		ClientID: "t", RequestTimeout: 30 * time.Second, DialTimeout: 30 * time.Second,
		Authenticate: broker.SASL(m),
		Failed:       func(e *broker.ConnectError) { t.Errorf("told %v; closing by its owner is nothing to tell", e) },
	})
	conn, err := k.Connect(context.Background(), observe.Node{ID: 1, Addr: c.ListenAddrs()[0]})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.waiting:
	case <-time.After(5 * time.Second):
		t.Fatal("no re-authentication began")
	}
	held := make(chan error, 1)
	if err := conn.Send(kmsg.NewPtrMetadataRequest(), func(_ kmsg.Response, err error) { held <- err }); err != nil {
		t.Fatal(err)
	}
	if n := conn.InFlight(); n != 1 {
		t.Errorf("InFlight = %d with one request held, want 1", n)
	}
	start := time.Now()
	conn.Close(nil)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a re-authentication under way, want it ended at once", d)
	}
	if err := <-held; !errors.Is(err, broker.ErrNotSent) {
		t.Errorf("the held request failed with %v, want ErrNotSent", err)
	}
}

func TestAHeldRequestPastItsDeadlineIsNotSentAndTheConnectionLives(t *testing.T) {
	c, handshakes := reauthCluster(t, 200*time.Millisecond)
	// Delay every re-authentication's SaslHandshake by 300 ms.
	c.ControlKey(int16(kmsg.SASLHandshake), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if handshakes.Load() > 1 {
			time.Sleep(300 * time.Millisecond) // holds the broker, as a slow one would
		}
		return nil, nil, false
	})
	k := broker.NewConnector(broker.Config{
		ClientID: "t", RequestTimeout: 5 * time.Second, DialTimeout: 5 * time.Second,
		Authenticate: broker.SASL(sasl.ScramSHA256(sasl.Static("u", "p"))),
	})
	conn, err := k.Connect(context.Background(), observe.Node{ID: 1, Addr: c.ListenAddrs()[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(nil)
	// Wait for the second handshake, then send with a 100 ms deadline.
	waitUntil(t, func() bool { return handshakes.Load() >= 2 })
	got := make(chan error, 1)
	if err := conn.SendDeadline(kmsg.NewPtrMetadataRequest(), time.Now().Add(100*time.Millisecond),
		func(_ kmsg.Response, err error) { got <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, broker.ErrNotSent) {
		t.Fatalf("the request held past its deadline ended with %v, want ErrNotSent", err)
	}
	if err := conn.Err(); err != nil {
		t.Fatalf("the connection closed: %v", err)
	}
	if _, _, err := conn.Request(context.Background(), kmsg.NewPtrMetadataRequest()); err != nil {
		t.Fatalf("a request after the re-authentication: %v", err)
	}
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(time.Millisecond) // polling a condition, not synchronising on time
	}
}
