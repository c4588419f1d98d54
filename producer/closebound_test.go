package producer_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// closeBound is what the issue allows Close: librdkafka closes the same
// cases in about a second.
const closeBound = 2 * time.Second

// muteProduce makes c take every Produce request and never answer it:
// kfake then stops reading the connection (it serves one request at a
// time per connection), so what the producer writes next piles up in the
// socket buffers until its writes block. It returns how many Produce
// requests kfake read.
func muteProduce(c *kfake.Cluster) *atomic.Int64 {
	var n atomic.Int64
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		n.Add(1)
		return nil, nil, true
	})
	return &n
}

// produceHeld produces n messages of size bytes with values "i:" followed by
// padding, to deliveryChan dr (nil: Poll).
func produceHeld(t testing.TB, p *producer.Producer, topic string, n, size int, dr chan producer.Event) {
	t.Helper()
	produceHeldFrom(t, p, topic, 0, n, size, dr)
}

// produceHeldFrom is produceHeld for the messages numbered from to
// from+n-1, so that a test can produce more of them later.
func produceHeldFrom(t testing.TB, p *producer.Producer, topic string, from, n, size int, dr chan producer.Event) {
	t.Helper()
	pad := strings.Repeat("x", size)
	for i := from; i < from+n; i++ {
		v := []byte(fmt.Sprintf("%d:%s", i, pad))[:size]
		require.NoError(t, p.Produce(&producer.Message{Topic: topic, Partition: int32(i % 2), Value: v}, dr))
	}
}

// closeReports is the outcome of Close for n held messages.
type closeReports struct {
	possibly, not int
}

// checkCloseReports collects every report after Close, from Poll (and
// from dr, when given, already drained into got), and checks that each of
// the n messages is reported exactly once, failed with ErrDestroy or one
// of codes.
func checkCloseReports(t *testing.T, p *producer.Producer, n int, got []*producer.Message, codes ...producer.ErrorCode) closeReports {
	t.Helper()
	for e := p.Poll(0); e != nil; e = p.Poll(0) {
		if m, ok := e.(*producer.Message); ok {
			got = append(got, m)
		}
	}
	require.Nil(t, p.Poll(-1), "Poll(-1) after Close with nothing left must return nil at once")
	seen := make(map[string]bool, n)
	var r closeReports
	for _, m := range got {
		id, _, _ := strings.Cut(string(m.Value), ":")
		require.False(t, seen[id], "message %s reported twice", id)
		seen[id] = true
		var perr producer.Error
		require.True(t, errors.As(m.Err, &perr), "message %s: err %v, want an Error", id, m.Err)
		require.Contains(t, append(codes, producer.ErrDestroy), perr.Code(), "message %s: %v", id, m.Err)
		switch m.Status {
		case producer.PossiblyPersisted:
			r.possibly++
		case producer.NotPersisted:
			r.not++
		default:
			t.Fatalf("message %s: status %v", id, m.Status)
		}
	}
	require.Equal(t, n, len(seen), "distinct reports (Len %d)", p.Len())
	require.Equal(t, 0, p.Len())
	return r
}

// A broker that takes Produce requests and never answers: Close returns
// within the bound, the requests in flight are reported ErrDestroy and
// PossiblyPersisted, the queued messages ErrDestroy and NotPersisted,
// each exactly once.
func TestCloseBoundedWhenBrokerNeverAnswers(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "mute"))
	read := muteProduce(c)
	p := newProducer(t, c, producer.ConfigMap{
		"linger.ms":         0,
		"batch.size":        64 << 10,
		"max.in.flight":     5,
		"socket.timeout.ms": 60_000,
	})
	const n = 2000
	produceHeld(t, p, "mute", n, 1000, nil)
	waitFor(t, 10*time.Second, "a Produce request read by the broker", func() bool { return read.Load() > 0 })
	start := time.Now()
	p.Close()
	took := time.Since(start)
	require.Less(t, took, closeBound, "Close took %v", took)
	r := checkCloseReports(t, p, n, nil)
	t.Logf("Close took %v; %d possibly persisted, %d not", took, r.possibly, r.not)
	require.Positive(t, r.possibly, "the requests in flight are PossiblyPersisted")
	require.Positive(t, r.not, "the queued messages are NotPersisted")
}

// A broker that stops reading the connection, with 20 MB held: the
// producer's writes block once the socket buffers fill. Close unblocks
// them and returns within the bound, reporting every message once.
func TestCloseBoundedWhenBrokerStopsReading(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "stuck"))
	read := muteProduce(c)
	p := newProducer(t, c, producer.ConfigMap{
		"linger.ms":                    0,
		"max.in.flight":                1_000_000, // nothing but the socket holds the writer back, however small the requests
		"queue.buffering.max.kbytes":   64 << 10,
		"queue.buffering.max.messages": 100_000,
		"socket.timeout.ms":            60_000,
		"message.timeout.ms":           0,
	})
	// Produce 20 MB, then 2 MB more at a time until the sink's write
	// blocks: how much the socket buffers take depends on the kernel's
	// settings and its autotuning (tcp_rmem goes up to 32 MB on some
	// machines), not on the producer.
	const step, most = 2_048, 56 * 1_024 // 1 KB messages; most stays well under the 64 MiB limit
	n := 10 * step
	produceHeld(t, p, "stuck", n, 1024, nil)
	waitFor(t, 10*time.Second, "a Produce request read by the broker", func() bool { return read.Load() > 0 })
	waitFor(t, 30*time.Second, "the sink's write to block", func() bool {
		if blockedInWrite() {
			return true
		}
		if n < most {
			produceHeldFrom(t, p, "stuck", n, step, 1024, nil)
			n += step
		}
		return false
	})
	start := time.Now()
	p.Close()
	took := time.Since(start)
	require.Less(t, took, closeBound, "Close took %v", took)
	r := checkCloseReports(t, p, n, nil)
	t.Logf("Close took %v; %d possibly persisted, %d not", took, r.possibly, r.not)
	require.Positive(t, r.possibly)
}

// blockedInWrite reports whether a goroutine is inside a connection's
// write, as a sink whose broker stopped reading is.
func blockedInWrite() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "broker.(*Conn).writeLocked") && strings.Contains(g, "[IO wait") {
			return true
		}
	}
	return false
}

// A server that accepts connections and never reads or answers them (a
// half-open broker, as the client sees it): the connection is never set
// up, messages wait for metadata, and Close still returns within the
// bound, reporting each NotPersisted.
func TestCloseBoundedWhenServerNeverReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 16)
	go func() { // ends when the listener closes; holds the connections open without reading
		for {
			conn, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- conn
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for conn := range accepted {
			conn.Close()
		}
	})
	p, err := producer.New(producer.ConfigMap{"bootstrap.servers": ln.Addr().String(), "socket.timeout.ms": 60_000})
	require.NoError(t, err)
	const n = 1000
	produceHeld(t, p, "nowhere", n, 100, nil)
	waitFor(t, 5*time.Second, "a connection accepted", func() bool { return len(accepted) > 0 })
	start := time.Now()
	p.Close()
	took := time.Since(start)
	require.Less(t, took, closeBound, "Close took %v", took)
	r := checkCloseReports(t, p, n, nil)
	require.Equal(t, closeReports{not: n}, r)
	checkNoLeaks(t)
}

// A deliveryChan that nobody reads does not hold Close: after its bound,
// the reports not received go to Poll instead, and a channel read in part
// gets exactly the reports it took.
func TestCloseBoundedWhenDeliveryChanUnread(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int // the deliveryChan's buffer: it takes this many, then nobody reads it
	}{{"unbuffered", 0}, {"buffer of 10", 10}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "mute"))
			read := muteProduce(c)
			p := newProducer(t, c, producer.ConfigMap{"linger.ms": 0, "batch.size": 64 << 10})
			const n = 1000
			dr := make(chan producer.Event, tc.size)
			produceHeld(t, p, "mute", n, 1000, dr)
			waitFor(t, 10*time.Second, "a Produce request read by the broker", func() bool { return read.Load() > 0 })
			start := time.Now()
			p.Close()
			took := time.Since(start)
			require.Less(t, took, closeBound, "Close took %v", took)
			var got []*producer.Message
			for len(dr) > 0 {
				got = append(got, (<-dr).(*producer.Message))
			}
			require.Len(t, got, tc.size, "the channel's buffer holds the reports it took")
			r := checkCloseReports(t, p, n, got)
			t.Logf("Close took %v; %d possibly persisted, %d not", took, r.possibly, r.not)
		})
	}
}

// A transaction left open when the broker stops answering: Close gives
// the abort a bounded try (500 ms) and returns within the bound, every
// message reported once.
func TestCloseBoundedWithOpenTransaction(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "mute"))
	p := newProducer(t, c, producer.ConfigMap{"transactional.id": "close-bound", "linger.ms": 0, "batch.size": 64 << 10})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, p.InitTransactions(ctx))
	require.NoError(t, p.BeginTransaction())
	read := muteProduce(c)
	var endTxn atomic.Int64
	c.ControlKey(kmsg.EndTxn.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		endTxn.Add(1)
		return nil, nil, true
	})
	const n = 1000
	produceHeld(t, p, "mute", n, 1000, nil)
	waitFor(t, 10*time.Second, "a Produce request read by the broker", func() bool { return read.Load() > 0 })
	start := time.Now()
	p.Close()
	took := time.Since(start)
	require.Less(t, took, closeBound, "Close took %v", took)
	// The abort purges what it can (librdkafka's abort does too) before
	// its EndTxn goes unanswered.
	r := checkCloseReports(t, p, n, nil, producer.ErrPurgeQueue, producer.ErrPurgeInflight)
	t.Logf("Close took %v; %d possibly persisted, %d not; %d EndTxn sent", took, r.possibly, r.not, endTxn.Load())
}
