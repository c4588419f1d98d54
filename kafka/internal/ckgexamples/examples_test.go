package ckgexamples_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kafka/internal/ckgexamples"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// output is a stdout the examples' goroutines may write to at once.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) lines(prefix string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, l := range strings.Split(o.buf.String(), "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// cluster starts a 3-broker kfake cluster with the topics on 3 partitions.
func cluster(t *testing.T, topics ...string) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(3, topics...))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, strings.Join(c.ListenAddrs(), ",")
}

// read returns the values of the records of topic, read from the start with
// kgo at the given isolation level until n came, and whatever else comes
// within a moment.
func read(t *testing.T, c *kfake.Cluster, topic string, n int, opts ...kgo.Opt) []string {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100 * time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []string
	for len(out) < n && ctx.Err() == nil {
		for _, r := range cl.PollFetches(ctx).Records() {
			out = append(out, string(r.Value))
		}
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	for _, r := range cl.PollFetches(ctx2).Records() {
		out = append(out, string(r.Value))
	}
	return out
}

var delivered = regexp.MustCompile(`^Delivered message to topic (\S+) \[(\d+)\] at offset (\d+)$`)

func TestProducerExample(t *testing.T) {
	c, bootstrap := cluster(t, "topic")
	var out output
	require.Equal(t, 0, ckgexamples.Producer([]string{"producer_example", bootstrap, "topic"}, &out), out.String())
	require.Len(t, out.lines("Created Producer "), 1)
	lines := out.lines("Delivered")
	require.Len(t, lines, 3, out.String())
	for _, l := range lines {
		require.Regexp(t, delivered, l)
	}
	require.Empty(t, out.lines("Still waiting"), "Flush(10000) is ten seconds")
	require.ElementsMatch(t, []string{"message 0", "message 1", "message 2"}, read(t, c, "topic", 3))
}

func TestIdempotentProducerExample(t *testing.T) {
	c, bootstrap := cluster(t, "topic")
	var out output
	require.Equal(t, 1, ckgexamples.IdempotentProducer([]string{"idempotent_producer_example", bootstrap, "topic"}, &out), "exit 1 after the fatal error")
	fatal := out.lines("FATAL ERROR: ")
	require.Len(t, fatal, 1, out.String())
	require.Contains(t, fatal[0], "Testing fatal errors")
	require.Len(t, out.lines("Flushing outstanding messages"), 1)
	ok, failed := len(out.lines("Delivered")), len(out.lines("Delivery failed"))
	require.GreaterOrEqual(t, ok+failed, 13, "every message before the fatal error is reported")
	require.Len(t, read(t, c, "topic", ok), ok, "what was reported delivered is in the log, once")
}

func TestChannelProducerExample(t *testing.T) {
	c, bootstrap := cluster(t, "topic")
	var out output
	require.Equal(t, 0, ckgexamples.ChannelProducer([]string{"producer_channel_example", bootstrap, "topic"}, &out))
	require.Len(t, out.lines("Delivered"), 1, out.String())
	require.Equal(t, []string{"through the produce channel"}, read(t, c, "topic", 1))
}

func TestCustomChannelProducerExample(t *testing.T) {
	c, bootstrap := cluster(t, "topic")
	var out output
	require.Equal(t, 0, ckgexamples.CustomChannelProducer([]string{"producer_custom_channel_example", bootstrap, "topic"}, &out))
	require.Len(t, out.lines("Delivered"), 3, out.String())
	require.Empty(t, out.lines("Ignored event"))
	require.Len(t, read(t, c, "topic", 3), 3)
}

func TestTransactionalProducerExample(t *testing.T) {
	c, bootstrap := cluster(t, "input", "output")
	var out output
	require.Equal(t, 0, ckgexamples.TransactionalProducer([]string{"transactions_example", bootstrap, "input", "output"}, &out), out.String())
	var outcomes []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "Committed batch") || strings.HasPrefix(l, "Aborted batch") {
			outcomes = append(outcomes, l)
		}
	}
	require.Equal(t, []string{"Committed batch 0", "Committed batch 1", "Aborted batch 2", "Committed batch 3"}, outcomes, out.String())
	var want []string
	for _, b := range []int{0, 1, 3} {
		for i := range 5 {
			want = append(want, fmt.Sprintf("batch %d message %d", b, i))
		}
	}
	require.ElementsMatch(t, want, read(t, c, "output", 15, kgo.FetchIsolationLevel(kgo.ReadCommitted())), "read_committed sees the committed batches only")

	adm, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer adm.Close()
	committed := committedOffset(t, adm, "example-group", "input", 0)
	require.Equal(t, int64(20), committed, "the last committed transaction's offsets")
}
