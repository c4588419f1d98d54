package producer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// tp names a topic partition in test maps.
type tp struct {
	topic     string
	partition int32
}

// checkLogMatchesReports asserts that the records in the log are exactly the
// delivered messages: same partition and offset, key, value, headers and
// timestamp, nothing missing, nothing extra, and offsets in report order
// per partition.
func checkLogMatchesReports(t *testing.T, reports []*producer.Message, records []*kgo.Record) {
	t.Helper()
	type at struct {
		tp     tp
		offset int64
	}
	delivered := make(map[at]*producer.Message, len(reports))
	lastOffset := map[tp]int64{}
	for _, m := range reports {
		require.NoError(t, m.Err, "delivery report for %v", m)
		require.Equal(t, producer.Persisted, m.Status, "status of %v", m)
		k := at{tp{m.Topic, m.Partition}, m.Offset}
		require.Nil(t, delivered[k], "two reports for %s[%d]@%d", m.Topic, m.Partition, m.Offset)
		delivered[k] = m
		if last, ok := lastOffset[k.tp]; ok {
			require.Greater(t, m.Offset, last, "reports of %s[%d] out of offset order", m.Topic, m.Partition)
		}
		lastOffset[k.tp] = m.Offset
	}
	require.Len(t, records, len(reports), "records in the log, want one per delivered message")
	for _, r := range records {
		m := delivered[at{tp{r.Topic, r.Partition}, r.Offset}]
		require.NotNil(t, m, "record %s[%d]@%d was never reported delivered", r.Topic, r.Partition, r.Offset)
		assert.Equal(t, m.Key, r.Key, "key at %s[%d]@%d", r.Topic, r.Partition, r.Offset)
		assert.Equal(t, m.Value, r.Value, "value at %s[%d]@%d", r.Topic, r.Partition, r.Offset)
		assert.Equal(t, m.Timestamp.UnixMilli(), r.Timestamp.UnixMilli(), "timestamp at %s[%d]@%d", r.Topic, r.Partition, r.Offset)
		require.Len(t, r.Headers, len(m.Headers))
		for i, h := range m.Headers {
			assert.Equal(t, h.Key, r.Headers[i].Key)
			assert.Equal(t, h.Value, r.Headers[i].Value)
		}
	}
}

func TestEveryAcceptedMessageIsReportedOnceAndMatchesTheLog(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 2})
	const n = 5000
	ts := time.UnixMilli(1_700_000_000_000)
	for i := range n {
		m := &producer.Message{
			Topic:     testTopic,
			Partition: producer.PartitionAny,
			Key:       keyFor(i),
			Value:     []byte(fmt.Sprintf("value-%d", i)),
			Opaque:    i,
		}
		switch i % 4 {
		case 0:
			m.Headers = []producer.Header{{Key: "h", Value: []byte("v")}, {Key: "null", Value: nil}}
		case 1:
			m.Timestamp = ts.Add(time.Duration(i) * time.Millisecond)
		case 2:
			m.Key = nil // keyless: sticky partitioning
		}
		require.NoError(t, p.Produce(m, nil))
	}
	require.Equal(t, 0, p.Flush(30*time.Second))
	reports := pollReports(t, p, n, 10*time.Second)
	requireNoMoreReports(t, p)
	require.Equal(t, 0, p.Len())

	seen := make([]bool, n)
	for _, m := range reports {
		i := m.Opaque.(int)
		require.False(t, seen[i], "message %d reported twice", i)
		seen[i] = true
	}
	checkLogMatchesReports(t, reports, consume(t, c, testTopic, n))
}

func TestReportsGoToTheDeliveryChannelGivenToProduce(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	const n = 1000
	ch := make(chan producer.Event, n)
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: int32(i % 6), Value: []byte{byte(i)}, Opaque: i}, ch))
	}
	require.Equal(t, 0, p.Flush(30*time.Second))
	next := map[int32]int{} // per partition, the Opaque expected next: order is kept
	for range n {
		select {
		case e := <-ch:
			m := e.(*producer.Message)
			require.NoError(t, m.Err)
			i := m.Opaque.(int)
			require.Equal(t, int32(i%6), m.Partition)
			require.Equal(t, next[m.Partition], i/6, "partition %d reports out of order", m.Partition)
			next[m.Partition]++
		case <-time.After(10 * time.Second):
			t.Fatal("delivery reports missing from the channel")
		}
	}
	assert.Nil(t, p.Poll(100*time.Millisecond), "a report went to Poll instead of its channel")
	assert.Equal(t, 0, p.Len())
}

// A deliveryChan the application does not read holds Produce back: its
// reports count against queue.buffering.max.messages until they are in
// the channel, except a group of at most 64 that the reporter counts out
// at once before sending.
func TestAnUnreadDeliveryChannelHoldsProduceBack(t *testing.T) {
	c := newCluster(t)
	const limit = 100
	p := newProducer(t, c, producer.ConfigMap{"queue.buffering.max.messages": limit})
	ch := make(chan producer.Event) // unbuffered, and not read until the end
	produce := func(i int) error {
		return p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte{byte(i)}, Opaque: i}, ch)
	}
	accepted := 0
	for ; accepted < limit; accepted++ {
		require.NoError(t, produce(accepted))
	}
	require.ErrorIs(t, produce(accepted), producer.ErrQueueFull)
	require.Equal(t, 0, p.Flush(10*time.Second))
	waitFor(t, 5*time.Second, "the reporter to count a group of reports out", func() bool { return p.Len() < limit })
	for produce(accepted) == nil {
		accepted++
	}
	extra := accepted - limit
	require.True(t, extra >= 1 && extra <= 64, "accepted %d past the limit while the channel was unread", extra)
	require.Equal(t, 0, p.Flush(10*time.Second))
	require.ErrorIs(t, produce(accepted), producer.ErrQueueFull, "delivered but unread reports still count")

	for i := range accepted {
		select {
		case e := <-ch:
			m := e.(*producer.Message)
			require.NoError(t, m.Err)
			require.Equal(t, i, m.Opaque, "reports out of order")
		case <-time.After(10 * time.Second):
			t.Fatalf("report %d of %d missing from the channel", i, accepted)
		}
	}
	waitFor(t, 5*time.Second, "every report counted out", func() bool { return p.Len() == 0 })
	require.NoError(t, produce(accepted), "room again once the channel is read")
	require.Equal(t, 0, p.Flush(10*time.Second))
	<-ch
}

// One batch can hold messages for a deliveryChan, for Poll and for
// ProduceSync: each report goes where its message asked, once, in order.
func TestABatchMixingChannelPollAndSyncReportsEachWhereAsked(t *testing.T) {
	c := newCluster(t)
	batches := countBatches(c)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 1000})
	ch := make(chan producer.Event, 100)
	const each = 10
	syncErrs := make(chan error, each)
	for i := range 3 * each {
		m := &producer.Message{Topic: testTopic, Partition: 0, Value: []byte{byte(i)}, Opaque: i}
		switch i % 3 {
		case 0:
			require.NoError(t, p.Produce(m, ch))
		case 1:
			require.NoError(t, p.Produce(m, nil))
		case 2:
			go func() { syncErrs <- p.ProduceSync(context.Background(), m) }()
			waitFor(t, 5*time.Second, "ProduceSync to queue its message", func() bool { return p.Len() == i+1 })
		}
	}
	require.Equal(t, 0, p.Flush(10*time.Second))
	require.Equal(t, []int{3 * each}, batches(testTopic), "all in one batch")
	for range each {
		require.NoError(t, <-syncErrs)
	}
	for i := 0; i < 3*each; i += 3 {
		m := (<-ch).(*producer.Message)
		require.NoError(t, m.Err)
		require.Equal(t, i, m.Opaque, "channel reports out of order")
		require.Equal(t, int64(i), m.Offset, "offsets follow Produce order")
	}
	polled := pollReports(t, p, each, 5*time.Second)
	for k, m := range polled {
		require.Equal(t, 3*k+1, m.Opaque, "Poll reports out of order")
		require.Equal(t, int64(3*k+1), m.Offset)
	}
	requireNoMoreReports(t, p)
	require.Len(t, ch, 0, "a report went to the channel twice")
	require.Equal(t, 3*each, len(consume(t, c, testTopic, 3*each)))
}

// Reports the configuration suppresses still leave the queue.buffering
// limits and Len, batch after batch; failures still come back with
// delivery.report.only.error.
func TestSuppressedReportsAreCountedOut(t *testing.T) {
	c := newCluster(t)
	const limit, rounds = 50, 4
	t.Run("go.delivery.reports=false", func(t *testing.T) {
		p := newProducer(t, c, producer.ConfigMap{"queue.buffering.max.messages": limit, "go.delivery.reports": false})
		ch := make(chan producer.Event, limit)
		for r := range rounds {
			for i := range limit {
				var dr chan producer.Event
				if i%2 == 0 {
					dr = ch // suppressed too
				}
				require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte{byte(i)}}, dr), "round %d message %d", r, i)
			}
			require.Equal(t, 0, p.Flush(10*time.Second))
			require.Equal(t, 0, p.Len(), "round %d", r)
		}
		requireNoMoreReports(t, p)
		require.Len(t, ch, 0)
		require.Len(t, consume(t, c, testTopic, rounds*limit), rounds*limit)
	})
	t.Run("delivery.report.only.error", func(t *testing.T) {
		p := newProducer(t, c, producer.ConfigMap{"queue.buffering.max.messages": limit, "delivery.report.only.error": true})
		for r := range rounds {
			for i := range limit {
				require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil), "round %d message %d", r, i)
			}
			require.Equal(t, 0, p.Flush(10*time.Second))
			require.Equal(t, 0, p.Len(), "round %d", r)
		}
		requireNoMoreReports(t, p)
	})
	t.Run("delivery.report.only.error still reports failures", func(t *testing.T) {
		q := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000, "delivery.report.only.error": true})
		for range 10 {
			require.NoError(t, q.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
		}
		q.Purge(producer.PurgeQueue)
		for _, m := range pollReports(t, q, 10, 5*time.Second) {
			require.ErrorIs(t, m.Err, producer.ErrPurgeQueue)
		}
		requireNoMoreReports(t, q)
	})
}

func TestConcurrentProducersLoseNothing(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 1})
	const goroutines, each = 8, 1000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny,
					Key: []byte(fmt.Sprintf("g%d", g)), Value: []byte(fmt.Sprintf("%d-%d", g, i))}, nil)
				if err != nil {
					t.Errorf("Produce: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 0, p.Flush(30*time.Second))
	reports := pollReports(t, p, goroutines*each, 10*time.Second)
	// One key per goroutine: each goroutine's messages share a partition and keep their order.
	last := map[string]int{}
	for _, m := range reports {
		require.NoError(t, m.Err)
		var g, i int
		_, err := fmt.Sscanf(string(m.Value), "%d-%d", &g, &i)
		require.NoError(t, err)
		k := string(m.Key)
		if prev, ok := last[k]; ok {
			require.Greater(t, i, prev, "goroutine %d's messages reordered", g)
		}
		last[k] = i
	}
	checkLogMatchesReports(t, reports, consume(t, c, testTopic, goroutines*each))
}

func TestLingerSendsABatchWithoutFlush(t *testing.T) {
	c := newCluster(t)
	batches := countBatches(c)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 200, "batch.size": 1_000_000})
	// Let metadata arrive first, so that the five messages meet in one open batch.
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("warm-up")}, nil))
	require.Equal(t, 0, p.Flush(10*time.Second))
	pollReports(t, p, 1, time.Second)

	for i := range 5 {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 1, Value: []byte{byte(i)}}, nil))
	}
	reports := pollReports(t, p, 5, 10*time.Second) // no Flush: only linger.ms can send them
	for _, m := range reports {
		require.NoError(t, m.Err)
	}
	assert.Equal(t, []int{1, 5}, batches(testTopic), "records per batch: the warm-up, then one lingered batch of five")
}

func TestBatchSizeSendsFullBatchesBeforeLinger(t *testing.T) {
	c := newCluster(t)
	batches := countBatches(c)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000, "batch.size": 2000})
	value := bytes.Repeat([]byte("x"), 90)
	const n = 100
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 2, Value: value, Opaque: i}, nil))
	}
	// Without Flush, full batches leave at once; the last, partial one waits for linger.
	waitFor(t, 10*time.Second, "full batches to be sent", func() bool { return len(batches(testTopic)) >= 4 })
	got := batches(testTopic)
	total := 0
	for _, n := range got {
		assert.LessOrEqual(t, n*(90+10), 2000, "a batch of %d records exceeds batch.size", n)
		assert.Greater(t, n, 10, "batches should be full, not single messages")
		total += n
	}
	assert.Less(t, total, n, "the partial batch must still be lingering")
	require.Equal(t, 0, p.Flush(10*time.Second))
	pollReports(t, p, n, 5*time.Second)
}

func TestBatchNumMessagesCapsBatches(t *testing.T) {
	c := newCluster(t)
	batches := countBatches(c)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000, "batch.num.messages": 10})
	for i := range 35 {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 3, Value: []byte{byte(i)}}, nil))
	}
	waitFor(t, 10*time.Second, "three full batches", func() bool { return len(batches(testTopic)) >= 3 })
	assert.Equal(t, []int{10, 10, 10}, batches(testTopic))
	require.Equal(t, 0, p.Flush(10*time.Second))
	assert.Equal(t, []int{10, 10, 10, 5}, batches(testTopic))
	pollReports(t, p, 35, 5*time.Second)
}

func TestProduceRejectsBadInputSynchronously(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"message.max.bytes": 1000})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("x")}, nil))
	require.Equal(t, 0, p.Flush(10*time.Second))
	pollReports(t, p, 1, time.Second)

	cases := []struct {
		name string
		msg  *producer.Message
		code producer.ErrorCode
	}{
		{"a nil message is an invalid argument", nil, producer.ErrInvalidArg},
		{"a message without topic is an invalid argument", &producer.Message{Value: []byte("x")}, producer.ErrInvalidArg},
		{"a partition beyond the topic's count is unknown", &producer.Message{Topic: testTopic, Partition: 6}, producer.ErrUnknownPartition},
		{"a negative partition other than PartitionAny is unknown", &producer.Message{Topic: testTopic, Partition: -2}, producer.ErrUnknownPartition},
		{"a value over message.max.bytes is too large", &producer.Message{Topic: testTopic, Value: make([]byte, 1000)}, producer.ErrMsgSizeTooLarge},
		{"headers count towards message.max.bytes", &producer.Message{Topic: testTopic, Headers: []producer.Header{{Key: "k", Value: make([]byte, 990)}}}, producer.ErrMsgSizeTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Produce(tc.msg, nil)
			require.Error(t, err)
			var e producer.Error
			require.True(t, errors.As(err, &e), "error %T is not a producer.Error", err)
			assert.Equal(t, tc.code, e.Code(), "error: %v", err)
			assert.True(t, errors.Is(err, tc.code))
		})
	}
	assert.Equal(t, 0, p.Len(), "rejected messages must not be counted")
	requireNoMoreReports(t, p)
}

func TestLenCountsEveryReportNotYetPolled(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	const n = 100
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: int32(i % 6)}, nil))
	}
	require.Equal(t, n, p.Len())
	require.Equal(t, 0, p.Flush(10*time.Second))
	require.Equal(t, n, p.Len(), "reported but not polled: still counted, as librdkafka's outq_len")
	for polled := 1; polled <= n; polled++ {
		pollReports(t, p, 1, time.Second)
		require.Equal(t, n-polled, p.Len(), "after %d polls", polled)
	}
}

func TestQueueFullRejectsWithoutTakingTheMessage(t *testing.T) {
	c := newCluster(t)
	t.Run("queue.buffering.max.messages", func(t *testing.T) {
		p := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000, "queue.buffering.max.messages": 10})
		for i := range 10 {
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte{byte(i)}}, nil))
		}
		err := p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("one too many")}, nil)
		require.ErrorIs(t, err, producer.ErrQueueFull)
		assert.Contains(t, err.Error(), "queue.buffering.max.messages")
		assert.Equal(t, 10, p.Len())
		require.Equal(t, 0, p.Flush(10*time.Second))
		pollReports(t, p, 10, 5*time.Second)
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil), "room again once reports are served")
	})
	// With a message limit the two limits share one counter word; without
	// one (0), they are counted apart: both must refuse alike.
	for _, maxMsgs := range []int{100_000, 0} {
		t.Run(fmt.Sprintf("queue.buffering.max.kbytes with max.messages=%d", maxMsgs), func(t *testing.T) {
			p := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000, "queue.buffering.max.kbytes": 2,
				"queue.buffering.max.messages": maxMsgs})
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: make([]byte, 1500)}, nil))
			err := p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: make([]byte, 600)}, nil)
			require.ErrorIs(t, err, producer.ErrQueueFull)
			assert.Contains(t, err.Error(), "queue.buffering.max.kbytes")
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: make([]byte, 500)}, nil))
			assert.Equal(t, 2, p.Len())
			require.Equal(t, 0, p.Flush(10*time.Second))
			pollReports(t, p, 2, 5*time.Second)
			assert.Equal(t, 0, p.Len())
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: make([]byte, 2048)}, nil),
				"the whole limit is free again once reports are served")
		})
	}
}

func TestMessagesTimeOutWhenTheBrokersAreGone(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"message.timeout.ms": 1000, "linger.ms": 10})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
	require.Equal(t, 0, p.Flush(10*time.Second))
	pollReports(t, p, 1, time.Second)

	c.Close()
	for i := range 20 {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: int32(i % 6), Value: []byte{byte(i)}}, nil))
	}
	for _, m := range pollReports(t, p, 20, 15*time.Second) {
		require.ErrorIs(t, m.Err, producer.ErrMsgTimedOut, "report %v", m)
		assert.Equal(t, int64(-1), m.Offset)
		assert.Contains(t, []producer.PersistenceStatus{producer.NotPersisted, producer.PossiblyPersisted}, m.Status)
	}
	assert.Equal(t, 0, p.Len())
}

// A message gets its own message.timeout.ms, as in librdkafka: one produced
// while an older one still waits for the broker does not time out with the
// older one's batch (at most linger.ms plus 100 ms early).
func TestAMessageTimesOutOnItsOwnClockNotItsPredecessors(t *testing.T) {
	const timeout, linger, later = time.Second, 10 * time.Millisecond, 600 * time.Millisecond
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"message.timeout.ms": int(timeout.Milliseconds()),
		"linger.ms": int(linger.Milliseconds())})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
	require.Equal(t, 0, p.Flush(10*time.Second))
	pollReports(t, p, 1, time.Second)

	c.Close()
	start := map[string]time.Time{}
	for i, name := range []string{"first", "second"} {
		if i > 0 {
			time.Sleep(later) // the scenario: the second message is this much younger
		}
		start[name] = time.Now()
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte(name)}, nil))
	}
	for reported := 0; reported < 2; {
		e := p.Poll(5 * time.Second)
		require.NotNil(t, e, "a message was not reported")
		m, ok := e.(*producer.Message)
		if !ok {
			continue // the error events of a cluster gone away
		}
		reported++
		waited := time.Since(start[string(m.Value)])
		require.ErrorIs(t, m.Err, producer.ErrMsgTimedOut)
		require.GreaterOrEqual(t, waited, timeout-linger-100*time.Millisecond,
			"message %q failed after %v, before its own message.timeout.ms", m.Value, waited)
	}
}

func TestCloseReportsHeldMessagesAsDestroyed(t *testing.T) {
	c := newCluster(t)
	p, err := producer.New(producer.ConfigMap{"bootstrap.servers": c.ListenAddrs()[0], "linger.ms": 60_000})
	require.NoError(t, err)
	ch := make(chan producer.Event, 10)
	for i := range 10 {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: int32(i % 6)}, ch))
	}
	for i := range 5 {
		require.NoError(t, p.Produce(&producer.Message{Topic: "not-yet-known", Partition: producer.PartitionAny, Value: []byte{byte(i)}}, nil))
	}
	p.Close()
	checkNoLeaks(t)
	require.Len(t, ch, 10)
	for range 10 {
		m := (<-ch).(*producer.Message)
		require.ErrorIs(t, m.Err, producer.ErrDestroy)
		assert.Equal(t, producer.NotPersisted, m.Status)
	}
	for _, m := range pollReports(t, p, 5, time.Second) { // Poll still works after Close
		require.ErrorIs(t, m.Err, producer.ErrDestroy)
	}
	assert.Equal(t, 0, p.Len())
	err = p.Produce(&producer.Message{Topic: testTopic}, nil)
	require.ErrorIs(t, err, producer.ErrDestroy)
	p.Close() // twice is fine
}

func TestLeadershipMovesMidStreamLoseNothing(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 1, "max.in.flight": 1, "retry.backoff.ms": 10})
	const n = 6000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			if err := p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny,
				Key: keyFor(i), Value: []byte(fmt.Sprintf("%d", i))}, nil); err != nil {
				t.Errorf("Produce %d: %v", i, err)
				return
			}
			if i%1000 == 500 {
				c.ShufflePartitionLeaders()
			}
			if i%1000 == 800 {
				_ = c.MoveTopicPartition(testTopic, int32(i%6), int32(i/1000%3))
			}
		}
	}()
	<-done
	require.Equal(t, 0, p.Flush(60*time.Second))
	reports := pollReports(t, p, n, 10*time.Second)
	// Per key, values arrive in production order (one partition, max.in.flight=1).
	last := map[string]int{}
	for _, m := range reports {
		require.NoError(t, m.Err)
		var i int
		fmt.Sscanf(string(m.Value), "%d", &i)
		if prev, ok := last[string(m.Key)]; ok {
			require.Greater(t, i, prev, "key %s reordered", m.Key)
		}
		last[string(m.Key)] = i
	}
	checkLogMatchesReports(t, reports, consume(t, c, testTopic, n))
}

func TestUnknownPartitionOnATopicNotYetKnownIsReported(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 42}, nil), "the topic's partitions are not known yet")
	m := pollReports(t, p, 1, 10*time.Second)[0]
	require.ErrorIs(t, m.Err, producer.ErrUnknownPartition)
	assert.Equal(t, producer.NotPersisted, m.Status)
}
