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
	"github.com/kprod-go/kprod/kprodtest"
	"github.com/stretchr/testify/require"
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

// cluster starts a 3-broker kprodtest cluster with the topics on 3
// partitions and returns it with its bootstrap.servers.
func cluster(t *testing.T, topics ...string) (*kprodtest.Cluster, string) {
	t.Helper()
	opts := []kprodtest.Option{kprodtest.WithBrokers(3)}
	for _, topic := range topics {
		opts = append(opts, kprodtest.WithTopic(topic, 3))
	}
	c := kprodtest.New(t, opts...)
	return c, c.BootstrapServers()
}

// read returns the values of every record of topic the cluster holds,
// partition by partition in offset order, as a read_committed consumer
// reading from the start sees them (kprodtest reads them with kgo).
func read(t *testing.T, c *kprodtest.Cluster, topic string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rs, err := c.Records(ctx, topic)
	require.NoError(t, err)
	var out []string
	for _, r := range rs {
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
	require.ElementsMatch(t, []string{"message 0", "message 1", "message 2"}, read(t, c, "topic"))
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
	require.Len(t, read(t, c, "topic"), ok, "what was reported delivered is in the log, once")
}

func TestChannelProducerExample(t *testing.T) {
	c, bootstrap := cluster(t, "topic")
	var out output
	require.Equal(t, 0, ckgexamples.ChannelProducer([]string{"producer_channel_example", bootstrap, "topic"}, &out))
	require.Len(t, out.lines("Delivered"), 1, out.String())
	require.Equal(t, []string{"through the produce channel"}, read(t, c, "topic"))
}

func TestCustomChannelProducerExample(t *testing.T) {
	c, bootstrap := cluster(t, "topic")
	var out output
	require.Equal(t, 0, ckgexamples.CustomChannelProducer([]string{"producer_custom_channel_example", bootstrap, "topic"}, &out))
	require.Len(t, out.lines("Delivered"), 3, out.String())
	require.Empty(t, out.lines("Ignored event"))
	require.ElementsMatch(t, []string{"custom channel message 0", "custom channel message 1", "custom channel message 2"}, read(t, c, "topic"))
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
	require.ElementsMatch(t, want, read(t, c, "output"), "read_committed sees the committed batches only")
	require.Equal(t, map[string]map[int32]int64{"input": {0: 20}}, c.CommittedOffsets("example-group"),
		"the last committed transaction's offsets")
}
