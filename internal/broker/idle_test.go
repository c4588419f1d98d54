package broker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
)

func idleConn(t *testing.T, idle time.Duration) (*kfake.Cluster, *broker.Conn) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	k := broker.NewConnector(broker.Config{ClientID: "t", RequestTimeout: 10 * time.Second, DialTimeout: 5 * time.Second, IdleTimeout: idle})
	conn, err := k.Connect(context.Background(), observe.Node{ID: -1, Addr: c.ListenAddrs()[0]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(nil) })
	return c, conn
}

func TestAnIdleConnectionClosesAfterIdleTimeout(t *testing.T) {
	const idle = 150 * time.Millisecond
	_, conn := idleConn(t, idle)
	start := time.Now()
	select {
	case <-conn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the idle connection is still open after 5 s")
	}
	if took := time.Since(start); took < idle {
		t.Errorf("closed after %v, want at least %v", took, idle)
	}
	if err := conn.Err(); !errors.Is(err, broker.ErrIdle) || !errors.Is(err, broker.ErrClosed) {
		t.Errorf("Err() = %v, want ErrIdle wrapping ErrClosed", err)
	}
}

func TestAConnectionWaitingForAnAnswerIsNotIdle(t *testing.T) {
	const idle = 100 * time.Millisecond
	c, conn := idleConn(t, idle)
	// The broker holds the answer for several idle periods.
	release := make(chan struct{})
	c.ControlKey(int16(kmsg.Metadata), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.SleepControl(func() { <-release })
		return nil, nil, false // then answer normally
	})
	answered := make(chan error, 1)
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 4
	if err := conn.Send(req, func(_ kmsg.Response, err error) { answered <- err }); err != nil {
		t.Fatal(err)
	}
	held := time.NewTimer(5 * idle)
	select {
	case <-conn.Done():
		t.Fatalf("closed while a request waited: %v", conn.Err())
	case <-held.C:
	}
	close(release)
	if err := <-answered; err != nil {
		t.Fatalf("answer: %v", err)
	}
	// Once answered, the connection is idle and closes.
	select {
	case <-conn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("still open 5 s after the answer")
	}
	if !errors.Is(conn.Err(), broker.ErrIdle) {
		t.Errorf("Err() = %v, want ErrIdle", conn.Err())
	}
}
