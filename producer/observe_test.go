package producer_test

import (
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/observe/observetest"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestObserverHearsEveryBatchWrittenAndEveryRequestAnswered(t *testing.T) {
	c := newCluster(t)
	var rec observetest.Recorder
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000, "enable.idempotence": true}, producer.WithObserver(&rec))
	// Partition i gets i+1 messages, all queued before Flush sends them:
	// one batch each.
	want := map[int32]int{}
	for part := range int32(6) {
		for range part + 1 {
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: part, Value: []byte("v")}, nil))
		}
		want[part] = int(part) + 1
	}
	require.Equal(t, 0, p.Flush(10*time.Second))
	for _, m := range pollReports(t, p, 21, 5*time.Second) {
		require.NoError(t, m.Err)
	}

	batches := rec.Batches()
	require.Len(t, batches, 6, "one OnBatchWritten per batch")
	for _, b := range batches {
		require.Equal(t, testTopic, b.Topic)
		require.Equal(t, want[b.Partition], b.Records, "records in the batch of partition %d", b.Partition)
		delete(want, b.Partition)
		require.Equal(t, c.LeaderFor(testTopic, b.Partition), b.Node.ID, "partition %d written by its leader", b.Partition)
		require.Positive(t, b.Bytes)
		require.Positive(t, b.WireBytes)
		require.Zero(t, b.Retries)
		require.GreaterOrEqual(t, b.Queued, time.Duration(0))
	}

	p.Close()
	connected := 0
	for _, e := range rec.Connects() {
		require.NoError(t, e.Err)
		connected++
	}
	require.GreaterOrEqual(t, connected, 2, "a control connection and at least one produce connection")
	require.Len(t, rec.Disconnects(), connected, "every connection closed once by Close")
	require.Empty(t, rec.Unmatched(), "every request written got one OnResponseRead")
	byKey := map[int16]int{}
	for _, w := range rec.Written() {
		require.NoError(t, w.Err)
		require.Positive(t, w.Bytes)
		byKey[w.Key]++
	}
	require.Equal(t, 1, byKey[kmsg.InitProducerID.Int16()], "InitProducerId requests")
	require.GreaterOrEqual(t, byKey[kmsg.Metadata.Int16()], 1, "Metadata requests")
	require.GreaterOrEqual(t, byKey[kmsg.Produce.Int16()], 1, "Produce requests")
	require.Equal(t, connected, byKey[kmsg.ApiVersions.Int16()], "one ApiVersions per connection")
}
