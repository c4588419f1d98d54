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
		for conn.InFlight() > 5 {
			time.Sleep(time.Millisecond) // a pipeline of five, as a sink keeps
		}
	}
	for conn.InFlight() > 0 {
		time.Sleep(time.Millisecond)
	}
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
