package kprodtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
)

// newProducer returns a producer for c with conf on top of
// bootstrap.servers, closed when the test ends.
func newProducer(t testing.TB, c *kprodtest.Cluster, conf producer.ConfigMap) *producer.Producer {
	t.Helper()
	m := producer.ConfigMap{"bootstrap.servers": c.BootstrapServers(), "linger.ms": 1, "retry.backoff.ms": 10}
	for k, v := range conf {
		m[k] = v
	}
	p, err := producer.New(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// messages returns n messages for topic's partition numbered from first:
// key k<i>, value v<i>.
func messages(topic string, partition int32, first, n int) []*producer.Message {
	ms := make([]*producer.Message, n)
	for i := range ms {
		ms[i] = &producer.Message{
			Topic:     topic,
			Partition: partition,
			Key:       fmt.Appendf(nil, "k%03d", first+i),
			Value:     fmt.Appendf(nil, "v%03d", first+i),
		}
	}
	return ms
}

// deliver produces ms and returns their delivery reports, in the order the
// producer reported them, failing the test unless each comes exactly once
// within 10 seconds.
func deliver(t testing.TB, p *producer.Producer, ms []*producer.Message) []*producer.Message {
	t.Helper()
	for _, m := range ms {
		if err := p.Produce(m, nil); err != nil {
			t.Fatalf("Produce: %v", err)
		}
	}
	return reports(t, p, len(ms), 10*time.Second)
}

// reports polls p for n delivery reports, then checks no extra one comes.
func reports(t testing.TB, p *producer.Producer, n int, within time.Duration) []*producer.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	var out []*producer.Message
	for len(out) < n {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("got %d delivery reports within %v, want %d", len(out), within, n)
		}
		if m, ok := p.Poll(min(left, 100*time.Millisecond)).(*producer.Message); ok {
			out = append(out, m)
		}
	}
	if e := p.Poll(50 * time.Millisecond); e != nil {
		if m, ok := e.(*producer.Message); ok {
			t.Fatalf("extra delivery report: %v", m)
		}
	}
	return out
}

// requireDelivered fails the test unless every report is a success.
func requireDelivered(t testing.TB, rs []*producer.Message) {
	t.Helper()
	for _, m := range rs {
		if m.Err != nil {
			t.Fatalf("message %s to %s[%d] failed: %v", m.Key, m.Topic, m.Partition, m.Err)
		}
	}
}

// records reads topic back, failing the test on error.
func records(t testing.TB, c *kprodtest.Cluster, topic string, opts ...kprodtest.ReadOption) []kprodtest.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := c.Records(ctx, topic, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// requireLog fails the test unless the partition holds exactly the values
// v<first>..v<first+n-1>, in order, at offsets 0..n-1 (and the other
// partitions of rs are ignored).
func requireLog(t testing.TB, rs []kprodtest.Record, partition int32, first, n int) {
	t.Helper()
	var got []string
	for _, r := range rs {
		if r.Partition != partition {
			continue
		}
		if want := int64(len(got)); r.Offset != want {
			t.Fatalf("partition %d: record %q at offset %d, want offset %d", partition, r.Value, r.Offset, want)
		}
		got = append(got, string(r.Value))
	}
	if len(got) != n {
		t.Fatalf("partition %d holds %d records %q, want %d", partition, len(got), got, n)
	}
	for i, v := range got {
		if want := fmt.Sprintf("v%03d", first+i); v != want {
			t.Fatalf("partition %d offset %d: got %q, want %q (log %q)", partition, i, v, want, got)
		}
	}
}
