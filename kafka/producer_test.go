package kafka_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kafka"
	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
)

func TestReportsOfMessagesProducedWithoutADeliveryChanComeOnEvents(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	const n = 100
	sent := make([]*kafka.Message, n)
	for i := range n {
		sent[i] = msg(testTopic, int32(i%3), fmt.Sprintf("v%03d", i))
		sent[i].Key = []byte(fmt.Sprintf("k%03d", i))
		sent[i].Headers = []kafka.Header{{Key: "h", Value: []byte("x")}}
		sent[i].Opaque = i
		require.NoError(t, p.Produce(sent[i], nil))
	}
	got := reports(t, p.Events(), n, 10*time.Second)
	next := map[int32]kafka.Offset{}
	for _, m := range got {
		i := m.Opaque.(int)
		require.Same(t, sent[i], m, "the report is the message given to Produce")
		require.NoError(t, m.TopicPartition.Error)
		require.Equal(t, testTopic, *m.TopicPartition.Topic)
		require.Equal(t, int32(i%3), m.TopicPartition.Partition)
		require.Equal(t, next[m.TopicPartition.Partition], m.TopicPartition.Offset, "offsets in order per partition")
		next[m.TopicPartition.Partition]++
		require.Equal(t, fmt.Sprintf("v%03d", i), string(m.Value), "value kept by the default go.delivery.report.fields")
		require.Equal(t, fmt.Sprintf("k%03d", i), string(m.Key))
		require.Nil(t, m.Headers, "headers are not in the default go.delivery.report.fields")
		require.Equal(t, kafka.TimestampCreateTime, m.TimestampType)
		require.False(t, m.Timestamp.IsZero())
	}
	require.Equal(t, 0, p.Len())

	recs := records(t, c, testTopic)
	require.Len(t, recs, n)
	for _, r := range recs {
		i, err := strconv.Atoi(string(r.Value[1:]))
		require.NoError(t, err)
		require.Equal(t, int32(i%3), r.Partition)
		require.Equal(t, int64(sent[i].TopicPartition.Offset), r.Offset, "where the report said")
		require.Equal(t, fmt.Sprintf("k%03d", i), string(r.Key))
		require.Equal(t, []producer.Header{{Key: "h", Value: []byte("x")}}, r.Headers)
	}
}

func TestReportsOfMessagesProducedWithADeliveryChanComeOnIt(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	dc := make(chan kafka.Event, 10)
	for i := range 10 {
		require.NoError(t, p.Produce(msg(testTopic, 1, fmt.Sprint(i)), dc))
	}
	got := reports(t, dc, 10, 10*time.Second)
	for i, m := range got {
		require.NoError(t, m.TopicPartition.Error)
		require.Equal(t, kafka.Offset(i), m.TopicPartition.Offset)
	}
	select {
	case e := <-p.Events():
		t.Fatalf("got %v on Events, want nothing there", e)
	default:
	}
}

func TestGoDeliveryReportsFalseDropsReportsButNotADeliveryChansOnes(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"go.delivery.reports": false})
	for i := range 5 {
		require.NoError(t, p.Produce(msg(testTopic, kafka.PartitionAny, fmt.Sprint(i)), nil))
	}
	require.Equal(t, 0, p.Flush(10*1000))
	require.Equal(t, 0, len(p.Events()))
	dc := make(chan kafka.Event, 1)
	require.NoError(t, p.Produce(msg(testTopic, 0, "x"), dc))
	reports(t, dc, 1, 10*time.Second)
	require.Len(t, records(t, c, testTopic), 6)
}

func TestGoDeliveryReportFieldsChoosesWhatAReportKeeps(t *testing.T) {
	for _, tc := range []struct {
		fields              string
		key, value, headers bool
	}{
		{"all", true, true, true},
		{"none", false, false, false},
		{"", false, false, false},
		{"key", true, false, false},
		{"value,headers", false, true, true},
	} {
		t.Run(fmt.Sprintf("%q", tc.fields), func(t *testing.T) {
			c := newCluster(t)
			p := newProducer(t, c, kafka.ConfigMap{"go.delivery.report.fields": tc.fields})
			m := msg(testTopic, 0, "v")
			m.Key = []byte("k")
			m.Headers = []kafka.Header{{Key: "h", Value: []byte("x")}}
			require.NoError(t, p.Produce(m, nil))
			r := reports(t, p.Events(), 1, 10*time.Second)[0]
			require.Equal(t, tc.key, r.Key != nil, "key")
			require.Equal(t, tc.value, r.Value != nil, "value")
			require.Equal(t, tc.headers, r.Headers != nil, "headers")
		})
	}
}

func TestProduceFailsAsConfluentKafkaGoDoes(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"message.max.bytes": 1000})
	code := func(err error) kafka.ErrorCode {
		t.Helper()
		require.Error(t, err)
		return err.(kafka.Error).Code() // a value, as programs assert it
	}
	require.Equal(t, kafka.ErrInvalidArg, code(p.Produce(nil, nil)))
	require.Equal(t, kafka.ErrInvalidArg, code(p.Produce(&kafka.Message{}, nil)))
	empty := ""
	require.Equal(t, kafka.ErrInvalidArg, code(p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &empty}}, nil)))
	big := msg(testTopic, 0, string(make([]byte, 2000)))
	require.Equal(t, kafka.ErrMsgSizeTooLarge, code(p.Produce(big, nil)))
	require.Equal(t, 0, p.Len(), "a refused message is not held")
}

func TestProduceReturnsErrQueueFullAtQueueBufferingMaxMessages(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"queue.buffering.max.messages": 3, "linger.ms": 60000})
	for i := range 3 {
		require.NoError(t, p.Produce(msg(testTopic, 0, fmt.Sprint(i)), nil))
	}
	err := p.Produce(msg(testTopic, 0, "x"), nil)
	require.Error(t, err)
	require.Equal(t, kafka.ErrQueueFull, err.(kafka.Error).Code())
	require.Equal(t, 3, p.Len())
	flushed := make(chan int)
	go func() { flushed <- p.Flush(10 * 1000) }() // linger.ms is long: send them now
	reports(t, p.Events(), 3, 10*time.Second)
	require.Equal(t, 0, <-flushed)
	require.NoError(t, p.Produce(msg(testTopic, 0, "x"), nil), "room again once the reports are read")
}

func TestFlushTakesMillisecondsAndWaitsForEventsToBeRead(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"linger.ms": 60000})
	for i := range 10 {
		require.NoError(t, p.Produce(msg(testTopic, 0, fmt.Sprint(i)), nil))
	}
	require.Equal(t, 10, p.Len())

	// Flush ignores linger.ms; with nobody reading Events the reports wait
	// there and still count in Len, so Flush times out with them, as in
	// confluent-kafka-go.
	start := time.Now()
	require.Equal(t, 10, p.Flush(300))
	took := time.Since(start)
	require.GreaterOrEqual(t, took, 300*time.Millisecond)
	require.Less(t, took, 5*time.Second, "Flush(300) is 300 ms, not 300 s")
	require.Equal(t, 10, len(p.Events()))

	reports(t, p.Events(), 10, time.Second)
	require.Equal(t, 0, p.Len())
	require.Equal(t, 0, p.Flush(15*1000))
}

func TestFlushWithZeroTimeoutReturnsAtOnce(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"linger.ms": 60000})
	require.Equal(t, 0, p.Flush(0), "nothing held")
	require.NoError(t, p.Produce(msg(testTopic, 0, "x"), nil))
	start := time.Now()
	require.Equal(t, 1, p.Flush(0))
	require.Less(t, time.Since(start), time.Second)
}

func TestFlushReturnsZeroOnceEveryReportIsRead(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"linger.ms": 60000})
	done := make(chan int)
	go func() {
		n := 0
		for range p.Events() {
			n++
		}
		done <- n
	}()
	for i := range 1000 {
		require.NoError(t, p.Produce(msg(testTopic, kafka.PartitionAny, fmt.Sprint(i)), nil))
	}
	require.Equal(t, 0, p.Flush(15*1000))
	require.Equal(t, 0, p.Len())
	p.Close()
	require.Equal(t, 1000, <-done)
	require.Len(t, records(t, c, testTopic), 1000)
}

func TestCloseClosesEventsAndLaterCallsFailWithErrState(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	require.NoError(t, p.Produce(msg(testTopic, 0, "x"), nil))
	require.Equal(t, 1, len(reports(t, p.Events(), 1, 10*time.Second)))
	require.False(t, p.IsClosed())
	p.Close()
	require.True(t, p.IsClosed())
	_, open := <-p.Events()
	require.False(t, open, "Events is closed")
	p.Close() // again: nothing

	state := func(err error) {
		t.Helper()
		require.Error(t, err)
		require.Equal(t, kafka.ErrState, err.(kafka.Error).Code())
		require.Equal(t, "Operation not allowed on closed client", err.Error())
	}
	state(p.Produce(msg(testTopic, 0, "x"), nil))
	state(p.Purge(kafka.PurgeQueue))
	state(p.GetFatalError())
	_, err := p.GetMetadata(nil, true, 1000)
	state(err)
	_, _, err = p.QueryWatermarkOffsets(testTopic, 0, 1000)
	state(err)
	state(p.BeginTransaction())
}

func TestCloseReportsHeldMessagesWithErrDestroyWhenThereIsRoom(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"linger.ms": 60000})
	dc := make(chan kafka.Event, 5)
	for i := range 5 {
		require.NoError(t, p.Produce(msg(testTopic, 0, fmt.Sprint(i)), dc))
	}
	unread := make(chan kafka.Event) // nobody reads it: Close must not wait for it
	require.NoError(t, p.Produce(msg(testTopic, 0, "unread"), unread))
	start := time.Now()
	p.Close()
	require.Less(t, time.Since(start), 3*time.Second)
	for _, m := range reports(t, dc, 5, time.Second) {
		require.Equal(t, kafka.ErrDestroy, m.TopicPartition.Error.(kafka.Error).Code())
		require.Equal(t, kafka.OffsetInvalid, m.TopicPartition.Offset)
	}
}

func TestLenCountsHeldMessagesAndUnreadEvents(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"linger.ms": 60000})
	require.Equal(t, 0, p.Len())
	for i := range 7 {
		require.NoError(t, p.Produce(msg(testTopic, 2, fmt.Sprint(i)), nil))
	}
	require.Equal(t, 7, p.Len())
	require.Equal(t, 7, p.Flush(200), "the reports wait in Events")
	require.Equal(t, 7, len(p.Events()))
	reports(t, p.Events(), 3, time.Second)
	require.Equal(t, 4, p.Len())
	reports(t, p.Events(), 4, time.Second)
	require.Equal(t, 0, p.Len())
}

func TestPurgeQueueFailsQueuedMessagesWithErrPurgeQueue(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"linger.ms": 60000})
	// The first message learns the metadata, so the rest go to a queue.
	require.NoError(t, p.Produce(msg(testTopic, 0, "first"), make(chan kafka.Event, 1)))
	require.Equal(t, 0, p.Flush(10*1000))
	for i := range 4 {
		require.NoError(t, p.Produce(msg(testTopic, 0, fmt.Sprint(i)), nil))
	}
	require.NoError(t, p.Purge(kafka.PurgeQueue|kafka.PurgeNonBlocking))
	for _, m := range reports(t, p.Events(), 4, 5*time.Second) {
		require.Equal(t, kafka.ErrPurgeQueue, m.TopicPartition.Error.(kafka.Error).Code())
	}
	require.Equal(t, 0, p.Len())
	require.NoError(t, p.Purge(kafka.PurgeInFlight), "nothing in flight: nothing to do")
	err := p.Purge(0x80)
	require.Error(t, err)
	require.Equal(t, kafka.ErrInvalidArg, err.(kafka.Error).Code())
	rs := records(t, c, testTopic)
	require.Len(t, rs, 1, "only the first message was written")
	require.Equal(t, "first", string(rs[0].Value))
}

func TestPurgeInFlightFailsMessagesWaitingForAResponse(t *testing.T) {
	c := newCluster(t)
	dropped := c.DropProduce(kprodtest.Forever) // no Produce response, ever
	p := newProducer(t, c, nil)
	require.NoError(t, p.Produce(msg(testTopic, 0, "x"), nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, dropped.Wait(ctx, 1), "no Produce request reached the broker")
	require.NoError(t, p.Purge(kafka.PurgeInFlight))
	select {
	case e := <-p.Events():
		m := e.(*kafka.Message)
		require.Equal(t, kafka.ErrPurgeInflight, m.TopicPartition.Error.(kafka.Error).Code())
	case <-time.After(10 * time.Second):
		t.Fatal("no report after PurgeInFlight")
	}
	require.Empty(t, records(t, c, testTopic), "the dropped request was not handled")
}

func TestCloseReturnsWhenEventsIsFullAndUnread(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"go.events.channel.size": 1})
	for i := range 3 {
		require.NoError(t, p.Produce(msg(testTopic, 0, fmt.Sprint(i)), nil))
	}
	waitFor(t, 10*time.Second, "a report in Events", func() bool { return len(p.Events()) == 1 })
	require.Equal(t, 3, p.Len(), "one report in Events, two held by the full channel")
	start := time.Now()
	p.Close()
	require.Less(t, time.Since(start), 3*time.Second)
	n := 0
	for range p.Events() {
		n++
	}
	require.Equal(t, 1, n, "the report that fitted; Events is closed")
}

func TestStringNamesTheProducer(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"client.id": "orders-service"})
	require.Contains(t, p.String(), `"orders-service"`)
}
