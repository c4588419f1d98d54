package stats

import (
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
)

func TestCollectorCountsEventsFromManyGoroutines(t *testing.T) {
	c := NewCollector(nil)
	node := observe.Node{ID: 1, Addr: "b1:9092"}
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c.OnRequestWritten(observe.RequestWritten{Node: node, Key: 0, Bytes: 100, Wait: time.Microsecond})
				c.OnResponseRead(observe.ResponseRead{Node: node, Key: 0, Bytes: 10, RTT: time.Duration(i) * time.Microsecond})
				c.OnBatchWritten(observe.BatchWritten{Node: node, Topic: "t", Partition: int32(g % 2), Records: 3, WireBytes: 70, Retries: i % 2})
				if i%100 == 0 {
					c.Snapshot() // windows roll while events come
				}
			}
		}()
	}
	wg.Wait()
	s := c.Snapshot()
	if len(s.Brokers) != 1 {
		t.Fatalf("got %d brokers, want 1", len(s.Brokers))
	}
	b := s.Brokers[0]
	const n = goroutines * each
	if b.Tx != n || b.TxBytes != 100*n || b.Rx != n || b.RxBytes != 10*n || b.Req[0] != n || b.WaitResp != 0 {
		t.Fatalf("got %+v, want %d requests of 100 bytes answered with 10", b.Counters, n)
	}
	if b.TxRetries != n/2 {
		t.Fatalf("got txretries %d, want %d", b.TxRetries, n/2)
	}
	if b.Name != "b1:9092/1" {
		t.Fatalf("got name %q, want b1:9092/1", b.Name)
	}
	parts := s.Topics["t"].Partitions
	if parts[0].TxMsgs+parts[1].TxMsgs != 3*n || parts[0].TxBytes+parts[1].TxBytes != 70*n {
		t.Fatalf("got partitions %+v, want %d messages and %d bytes", parts, 3*n, 70*n)
	}
}

func TestCollectorClassifiesFailuresAndNamesBootstrapServers(t *testing.T) {
	c := NewCollector(nil)
	boot := observe.Node{ID: -1, Addr: "seed:9092"}
	c.OnConnect(observe.Connect{Node: boot})
	for _, err := range []error{broker.ErrTimeout, broker.ErrProtocol, broker.ErrClosed} {
		c.OnRequestWritten(observe.RequestWritten{Node: boot, Key: 3, Bytes: 20})
		c.OnResponseRead(observe.ResponseRead{Node: boot, Key: 3, Err: err})
	}
	// A write that fails may be answered (with the error) before it is
	// reported written: nothing stays waiting either way.
	c.OnResponseRead(observe.ResponseRead{Node: boot, Key: 3, Err: broker.ErrClosed})
	c.OnRequestWritten(observe.RequestWritten{Node: boot, Key: 3, Err: broker.ErrClosed})
	c.OnThrottle(observe.Throttle{Node: boot, Key: 3, Time: 250 * time.Millisecond})
	s := c.Snapshot()
	b := s.Brokers[0]
	if b.Name != "seed:9092/bootstrap" || b.NodeID != -1 || !b.Up {
		t.Fatalf("got %q node %d up %v, want seed:9092/bootstrap, -1, up", b.Name, b.NodeID, b.Up)
	}
	if b.ReqTimeouts != 1 || b.RxErrs != 1 || b.TxErrs != 1 || b.Tx != 3 || b.Rx != 0 || b.RTT.Cnt != 0 || b.WaitResp != 0 {
		t.Fatalf("got %+v, want one timeout, one rx error, one tx error, three sent, none read", b.Counters)
	}
	if b.Throttle.Cnt != 1 || b.Throttle.Max != 250 {
		t.Fatalf("got throttle window %+v, want one sample of 250 ms", b.Throttle)
	}
	c.OnDisconnect(observe.Disconnect{Node: boot})
	if again := c.Snapshot().Brokers[0]; again.Throttle.Cnt != 0 || again.Up || again.Disconnects != 1 || again.TxIdle != -1 {
		t.Fatalf("after a second snapshot got %+v, want the window rolled over and the broker down", again)
	}
}
