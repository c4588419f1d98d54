package producer_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kfake"
)

// latencyConn delays everything the broker sends by a fixed latency, as a
// network round trip or acks=all replication would, while letting
// responses overlap: a goroutine stamps each chunk as it arrives, and Read
// hands it out only once its latency has passed. The goroutine exits when
// the connection is closed.
type latencyConn struct {
	net.Conn
	latency time.Duration
	chunks  chan latencyChunk
	pending []byte
}

type latencyChunk struct {
	at   time.Time
	data []byte
}

func dialWithLatency(latency time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		lc := &latencyConn{Conn: c, latency: latency, chunks: make(chan latencyChunk, 1024)}
		go lc.pump()
		return lc, nil
	}
}

func (c *latencyConn) pump() {
	defer close(c.chunks)
	for {
		buf := make([]byte, 64<<10)
		n, err := c.Conn.Read(buf)
		if n > 0 {
			c.chunks <- latencyChunk{at: time.Now(), data: buf[:n]}
		}
		if err != nil {
			return
		}
	}
}

func (c *latencyConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		ch, ok := <-c.chunks
		if !ok {
			return 0, net.ErrClosed
		}
		time.Sleep(time.Until(ch.at.Add(c.latency))) // the link's latency, not synchronisation
		c.pending = ch.data
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// BenchmarkIdempotentPipelining shows what WithPartitionPipelining buys an
// idempotent producer when each response takes 2 ms to come back: up to
// five batches in flight per partition, against one (the default, as in
// librdkafka) and against one request in flight per connection.
func BenchmarkIdempotentPipelining(b *testing.B) {
	for _, mode := range []struct {
		name     string
		inflight int
		opts     []producer.Option
	}{
		{"max.in.flight=1", 1, nil},
		{"max.in.flight=5", 5, nil},
		{"max.in.flight=5,partition-pipelining", 5, []producer.Option{producer.WithPartitionPipelining()}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			c := newCluster(b, kfake.NumBrokers(1))
			p := newProducer(b, c, producer.ConfigMap{"enable.idempotence": true, "max.in.flight": mode.inflight,
				"linger.ms": 1, "batch.size": 16384}, append(mode.opts, producer.WithDialer(dialWithLatency(2*time.Millisecond)))...)
			value := bytes.Repeat([]byte("v"), 100)
			done := make(chan struct{})
			go func() {
				for got := 0; got < b.N; {
					if _, ok := p.Poll(100 * time.Millisecond).(*producer.Message); ok {
						got++
					}
				}
				close(done)
			}()
			b.ReportAllocs()
			b.SetBytes(int64(len(value)))
			start := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; {
				err := p.Produce(&producer.Message{Topic: testTopic, Partition: int32(i % 6), Value: value}, nil)
				if err != nil {
					time.Sleep(50 * time.Microsecond) // queue full: let reports drain
					continue
				}
				i++
			}
			p.Flush(time.Minute)
			<-done
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}
