package producer_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestPurgeQueueFailsQueuedMessagesWithErrPurgeQueue(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000})
	for i := range 20 {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: int32(i % 6)}, nil))
	}
	require.NoError(t, p.Produce(&producer.Message{Topic: "unknown-yet", Partition: producer.PartitionAny}, nil))
	require.NoError(t, p.Purge(producer.PurgeQueue|producer.PurgeNonBlocking))
	for _, m := range pollReports(t, p, 21, 5*time.Second) {
		require.ErrorIs(t, m.Err, producer.ErrPurgeQueue)
		assert.Equal(t, producer.NotPersisted, m.Status)
	}
	requireNoMoreReports(t, p)
	assert.Equal(t, 0, p.Len())
	assert.Equal(t, 0, p.Flush(time.Second))

	// The producer goes on working.
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("after")}, nil))
	require.Equal(t, 0, p.Flush(10*time.Second))
	require.NoError(t, pollReports(t, p, 1, time.Second)[0].Err)
}

func TestPurgeInFlightFailsRequestsWaitingForAResponse(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 1})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
	require.Equal(t, 0, p.Flush(10*time.Second))
	pollReports(t, p, 1, time.Second)

	release := make(chan struct{})
	var held atomic.Int32
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		if held.Add(1) == 1 {
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})
	for range 5 {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 1}, nil))
	}
	waitFor(t, 5*time.Second, "the request to reach the broker", func() bool { return held.Load() >= 1 })
	require.NoError(t, p.Purge(producer.PurgeInFlight))
	for _, m := range pollReports(t, p, 5, 5*time.Second) {
		require.ErrorIs(t, m.Err, producer.ErrPurgeInflight)
		assert.Equal(t, producer.PossiblyPersisted, m.Status)
	}
	close(release) // the late response must be ignored: no second report
	requireNoMoreReports(t, p)
}

func TestPurgeRejectsUnknownFlags(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	err := p.Purge(0x8)
	require.ErrorIs(t, err, producer.ErrInvalidArg)
	require.NoError(t, p.Purge(0))
}

func TestProduceSyncReturnsTheOutcome(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	m := &producer.Message{Topic: testTopic, Partition: 2, Value: []byte("sync")}
	require.NoError(t, p.ProduceSync(context.Background(), m))
	assert.Equal(t, int32(2), m.Partition)
	assert.Equal(t, int64(0), m.Offset)
	assert.Equal(t, producer.Persisted, m.Status)
	assert.Nil(t, p.Poll(100*time.Millisecond), "the report went to ProduceSync, not Poll")
	assert.Equal(t, 0, p.Len())

	err := p.ProduceSync(context.Background(), &producer.Message{Topic: testTopic, Partition: 99})
	require.ErrorIs(t, err, producer.ErrUnknownPartition)
}

func TestProduceSyncCancelledHandsTheReportToPoll(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 500})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	m := &producer.Message{Topic: testTopic, Partition: 0, Value: []byte("late")}
	err := p.ProduceSync(ctx, m)
	require.Error(t, err)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "error %v wraps the context's", err)
	got := pollReports(t, p, 1, 5*time.Second)[0]
	require.Same(t, m, got, "the abandoned message's report comes from Poll")
	require.NoError(t, got.Err)
}

func TestFlushContextStopsAtTheDeadline(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"message.timeout.ms": 5000})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
	require.NoError(t, p.FlushContext(context.Background()))
	pollReports(t, p, 1, time.Second)

	c.Close() // nothing can be delivered now
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := p.FlushContext(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "1 messages not yet reported")
	pollReports(t, p, 1, 10*time.Second) // the message still times out and is reported
}

// A message handed back by ProduceSync can be produced again at once, with
// another value, over and over: the report's size is counted out before
// the hand-off, so the caller's next Produce does not race with it (the
// race detector watches), and the queue limits stay exact (with room for
// two of the largest values, any drift would soon refuse a message).
func TestProduceSyncReusesItsMessage(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"queue.buffering.max.kbytes": 2})
	m := &producer.Message{Topic: testTopic, Partition: 1}
	big, small := make([]byte, 1000), []byte("s")
	for i := range 300 {
		m.Value = big
		if i%2 == 1 {
			m.Value = small
		}
		require.NoError(t, p.ProduceSync(context.Background(), m), "message %d", i)
		require.Equal(t, int64(i), m.Offset)
	}
	assert.Equal(t, 0, p.Len())
}
