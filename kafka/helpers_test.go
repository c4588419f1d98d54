package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/leakcheck"
	"github.com/kprod-go/kprod/kafka"
	"github.com/kprod-go/kprod/kprodtest"
	"github.com/stretchr/testify/require"
)

// testTopic is the topic every cluster from newCluster starts with, on 3
// partitions.
const testTopic = "events"

// newCluster starts an in-process kprodtest cluster of 3 brokers with
// testTopic and the options' topics, closed when the test ends.
func newCluster(t testing.TB, opts ...kprodtest.Option) *kprodtest.Cluster {
	t.Helper()
	return kprodtest.New(t, append([]kprodtest.Option{kprodtest.WithBrokers(3), kprodtest.WithTopic(testTopic, 3)}, opts...)...)
}

// newProducer returns a kafka.Producer for c with conf on top of
// bootstrap.servers, closed when the test ends, and checks that Close left
// no goroutine behind.
func newProducer(t testing.TB, c *kprodtest.Cluster, conf kafka.ConfigMap) *kafka.Producer {
	t.Helper()
	return newProducerAt(t, c.BootstrapServers(), conf)
}

// newProducerAt is newProducer for the brokers at bootstrap.
func newProducerAt(t testing.TB, bootstrap string, conf kafka.ConfigMap) *kafka.Producer {
	t.Helper()
	m := kafka.ConfigMap{"bootstrap.servers": bootstrap}
	for k, v := range conf {
		m[k] = v
	}
	p, err := kafka.NewProducer(&m)
	require.NoError(t, err)
	t.Cleanup(func() {
		p.Close()
		checkNoLeaks(t)
	})
	return p
}

// msg returns a message for topic with value v, on partition (PartitionAny
// for the partitioner's choice).
func msg(topic string, partition int32, v string) *kafka.Message {
	return &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: partition}, Value: []byte(v)}
}

// reports receives n delivery reports from ch within the deadline, failing
// the test on the deadline or on an event that is not a *Message.
func reports(t testing.TB, ch chan kafka.Event, n int, within time.Duration) []*kafka.Message {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	out := make([]*kafka.Message, 0, n)
	for len(out) < n {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed after %d reports, want %d", len(out), n)
			}
			m, isMsg := e.(*kafka.Message)
			if !isMsg {
				t.Fatalf("got event %T (%v), want a *kafka.Message", e, e)
			}
			out = append(out, m)
		case <-timer.C:
			t.Fatalf("got %d reports within %v, want %d", len(out), within, n)
		}
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// records returns every record of topic the cluster holds, partition by
// partition in offset order, as a read_committed consumer reading from the
// start sees them (kprodtest reads them with kgo), so that duplicates show.
func records(t testing.TB, c *kprodtest.Cluster, topic string, opts ...kprodtest.ReadOption) []kprodtest.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rs, err := c.Records(ctx, topic, opts...)
	require.NoError(t, err)
	return rs
}

// checkNoLeaks fails the test if goroutines started by kprod's packages are
// still running a few seconds after Close (leakcheck.Check).
func checkNoLeaks(t testing.TB) { t.Helper(); leakcheck.Check(t) }

// kprodGoroutines returns the stacks of the goroutines that kprod's
// packages started (leakcheck.Goroutines).
func kprodGoroutines() string { return leakcheck.Goroutines() }
