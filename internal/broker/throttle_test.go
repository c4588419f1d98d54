package broker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// throttlingConn connects to a kfake broker that answers every Metadata
// request with a throttle of ms.
func throttlingConn(t *testing.T, ms int32) *broker.Conn {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	c.ControlKey(kmsg.Metadata.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		resp.ThrottleMillis = ms
		return resp, nil, true
	})
	k := broker.NewConnector(broker.Config{ClientID: "t", RequestTimeout: 5 * time.Second, DialTimeout: 5 * time.Second})
	conn, err := k.Connect(context.Background(), observe.Node{ID: -1, Addr: c.ListenAddrs()[0]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(nil) })
	return conn
}

func metadata(t *testing.T, conn *broker.Conn, version int16) {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	req.Version = version
	if _, _, err := conn.Request(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

func TestThrottleBeforeKIP219IsAlreadyServedByTheBroker(t *testing.T) {
	conn := throttlingConn(t, 500)
	metadata(t, conn, 5) // Metadata v5: the broker delayed its answer instead
	if u := conn.ThrottledUntil(); !u.IsZero() {
		t.Fatalf("throttled until %v after a v5 response, want not throttled", u)
	}
	if left := conn.ThrottleLeft(); left != 0 {
		t.Fatalf("throttle left %v, want 0", left)
	}
}

func TestThrottleAfterTheResponseHoldsTheConnectionUntilItPasses(t *testing.T) {
	const throttle = 200 * time.Millisecond
	conn := throttlingConn(t, int32(throttle/time.Millisecond))
	before := time.Now()
	metadata(t, conn, 8) // v6+: the broker mutes the connection after answering (KIP-219)
	after := time.Now()
	until := conn.ThrottledUntil()
	if until.Before(before.Add(throttle)) || until.After(after.Add(throttle)) {
		t.Fatalf("throttled until %v, want between %v and %v", until, before.Add(throttle), after.Add(throttle))
	}
	if left := conn.ThrottleLeft(); left <= 0 || left > throttle {
		t.Fatalf("throttle left %v, want in (0, %v]", left, throttle)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := conn.WaitThrottle(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitThrottle with an ended context: %v, want context.Canceled", err)
	}
	if err := conn.WaitThrottle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(until) {
		t.Fatalf("WaitThrottle returned at %v, before the throttle's end %v", now, until)
	}
	if left := conn.ThrottleLeft(); left != 0 {
		t.Fatalf("throttle left %v after WaitThrottle, want 0", left)
	}
}
