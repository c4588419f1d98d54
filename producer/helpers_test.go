package producer_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/leakcheck"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testTopic is the topic every cluster from newCluster starts with.
const testTopic = "events"

// newCluster starts an in-process kfake cluster of 3 brokers with testTopic
// on 6 partitions, closed when the test ends.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(3), kfake.SeedTopics(6, testTopic)}, opts...)
	c, err := kfake.NewCluster(opts...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// newProducer returns a producer for c with conf on top of bootstrap.servers,
// closed when the test ends, and checks that Close left no goroutine behind.
func newProducer(t testing.TB, c *kfake.Cluster, conf producer.ConfigMap, opts ...producer.Option) *producer.Producer {
	t.Helper()
	m := producer.ConfigMap{"bootstrap.servers": strings.Join(c.ListenAddrs(), ",")}
	for k, v := range conf {
		m[k] = v
	}
	p, err := producer.New(m, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		p.Close()
		checkNoLeaks(t)
	})
	return p
}

// pollReports polls p until n delivery reports have come or the deadline
// passes, failing the test on the deadline or on an unexpected event.
func pollReports(t testing.TB, p *producer.Producer, n int, within time.Duration) []*producer.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	out := make([]*producer.Message, 0, n)
	for len(out) < n {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("got %d delivery reports within %v, want %d", len(out), within, n)
		}
		switch e := p.Poll(min(left, 100*time.Millisecond)).(type) {
		case nil:
		case *producer.Message:
			out = append(out, e)
		case producer.Error:
			t.Logf("error event: %v", e)
		default:
			t.Fatalf("unexpected event %T: %v", e, e)
		}
	}
	return out
}

// requireNoMoreReports checks that no further delivery report arrives
// within a short grace period: each message is reported exactly once.
func requireNoMoreReports(t testing.TB, p *producer.Producer) {
	t.Helper()
	for {
		switch e := p.Poll(200 * time.Millisecond).(type) {
		case nil:
			return
		case *producer.Message:
			t.Fatalf("extra delivery report: %v", e)
		}
	}
}

// consume reads n records of topic from the start of every partition with
// an independent client (kgo), failing the test if they do not all arrive.
func consume(t testing.TB, c *kfake.Cluster, topic string, n int) []*kgo.Record {
	t.Helper()
	return consumeWith(t, newConsumer(t, c, topic), topic, n)
}

// consumeWith reads n records of topic with cl, then whatever else comes
// within a moment, failing the test if the n do not all arrive.
func consumeWith(t testing.TB, cl *kgo.Client, topic string, n int) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d records of %s, want %d", len(out), topic, n)
		}
		for _, e := range fs.Errors() {
			t.Logf("fetch error %s[%d]: %v", e.Topic, e.Partition, e.Err)
		}
		out = append(out, fs.Records()...)
	}
	// Anything beyond n is a duplicate or a stray write: give it a moment to show.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	out = append(out, cl.PollFetches(ctx2).Records()...)
	return out
}

// newConsumer returns an independent client (kgo) that reads topics from
// the start of every partition; it is closed when the test ends.
func newConsumer(t testing.TB, c *kfake.Cluster, topics ...string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// countBatches observes Produce requests on c and returns a function that
// reports, per topic, the record counts of every batch sent so far.
func countBatches(c *kfake.Cluster) func(topic string) []int {
	var mu sync.Mutex
	seen := map[string][]int{}
	c.ControlKey(kmsg.Produce.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := r.(*kmsg.ProduceRequest)
		mu.Lock()
		defer mu.Unlock()
		for _, tp := range req.Topics {
			for _, p := range tp.Partitions {
				var b kmsg.RecordBatch
				if err := b.ReadFrom(p.Records); err == nil {
					seen[tp.Topic] = append(seen[tp.Topic], int(b.NumRecords))
				}
			}
		}
		return nil, nil, false
	})
	return func(topic string) []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), seen[topic]...)
	}
}

// waitFor polls cond until it holds or within passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising on time
	}
}

// checkNoLeaks fails the test if goroutines started by kprod are still
// running shortly after Close (leakcheck.Check).
func checkNoLeaks(t testing.TB) { t.Helper(); leakcheck.Check(t) }

// kprodGoroutines returns the stacks of running goroutines that kprod's
// packages started (leakcheck.Goroutines).
func kprodGoroutines() string { return leakcheck.Goroutines() }

// keyFor returns a deterministic key for message i.
func keyFor(i int) []byte { return []byte(fmt.Sprintf("key-%d", i%97)) }
