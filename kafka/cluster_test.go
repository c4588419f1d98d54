package kafka_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kafka"
	"github.com/kprod-go/kprod/kprodtest"
	"github.com/stretchr/testify/require"
)

func TestTestFatalErrorRaisesAFatalErrorWithItsCode(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"enable.idempotence": true})
	require.NoError(t, p.Produce(msg(testTopic, 0, "before"), nil))
	reports(t, p.Events(), 1, 10*time.Second)
	require.NoError(t, p.GetFatalError())

	require.Equal(t, kafka.ErrNoError, p.TestFatalError(kafka.ErrOutOfOrderSequenceNumber, "Testing fatal errors"))
	select {
	case e := <-p.Events():
		ke, ok := e.(kafka.Error)
		require.True(t, ok, "got %T, want kafka.Error", e)
		require.True(t, ke.IsFatal())
		require.Equal(t, kafka.ErrOutOfOrderSequenceNumber, ke.Code(), "the original code, as confluent-kafka-go's fatal events")
		require.Contains(t, ke.Error(), "Testing fatal errors")
		require.True(t, strings.HasPrefix(ke.Error(), "Fatal error: "))
	case <-time.After(10 * time.Second):
		t.Fatal("no fatal Error event")
	}
	err := p.GetFatalError()
	require.Error(t, err)
	require.Equal(t, kafka.ErrOutOfOrderSequenceNumber, err.(kafka.Error).Code())
	require.True(t, err.(kafka.Error).IsFatal())

	require.Equal(t, kafka.ErrPrevInProgress, p.TestFatalError(kafka.ErrInvalidArg, "again"), "the first fatal error is kept")
	require.Equal(t, kafka.ErrOutOfOrderSequenceNumber, p.GetFatalError().(kafka.Error).Code())
	err = p.Produce(msg(testTopic, 0, "after"), nil)
	require.Error(t, err)
	require.Equal(t, kafka.ErrFatal, err.(kafka.Error).Code())
}

func TestGetMetadata(t *testing.T) {
	c := newCluster(t, kprodtest.WithTopic("other", 2))
	p := newProducer(t, c, kafka.ConfigMap{"allow.auto.create.topics": false})

	topic := testTopic
	md, err := p.GetMetadata(&topic, false, 10*1000)
	require.NoError(t, err)
	require.Len(t, md.Brokers, 3)
	for _, b := range md.Brokers {
		require.Contains(t, strings.Split(c.BootstrapServers(), ","), fmt.Sprintf("%s:%d", b.Host, b.Port))
		require.Contains(t, c.Brokers(), b.ID)
	}
	require.Len(t, md.Topics, 1)
	tm := md.Topics[testTopic]
	require.Equal(t, testTopic, tm.Topic)
	require.Equal(t, kafka.ErrNoError, tm.Error.Code())
	require.Len(t, tm.Partitions, 3)
	for i, pm := range tm.Partitions {
		require.Equal(t, int32(i), pm.ID)
		require.Equal(t, kafka.ErrNoError, pm.Error.Code())
		require.GreaterOrEqual(t, pm.Leader, int32(0))
		require.Contains(t, pm.Replicas, pm.Leader)
		require.Contains(t, pm.Isrs, pm.Leader)
	}

	md, err = p.GetMetadata(nil, true, 10*1000)
	require.NoError(t, err)
	require.Len(t, md.Topics, 2)
	require.Len(t, md.Topics["other"].Partitions, 2)

	md, err = p.GetMetadata(nil, false, 10*1000)
	require.NoError(t, err)
	require.Len(t, md.Brokers, 3)
	require.Empty(t, md.Topics)

	missing := "missing"
	md, err = p.GetMetadata(&missing, false, 10*1000)
	require.NoError(t, err)
	require.Equal(t, kafka.ErrUnknownTopicOrPart, md.Topics[missing].Error.Code())
}

func TestGetMetadataTimesOutWhenNoBrokerAnswers(t *testing.T) {
	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": "127.0.0.1:1"})
	require.NoError(t, err)
	defer p.Close()
	start := time.Now()
	_, err = p.GetMetadata(nil, true, 300)
	require.Error(t, err)
	require.Equal(t, kafka.ErrTimedOut, err.(kafka.Error).Code())
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "it waits for a broker up to the timeout")
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestQueryWatermarkOffsets(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	low, high, err := p.QueryWatermarkOffsets(testTopic, 2, 10*1000)
	require.NoError(t, err)
	require.Equal(t, [2]int64{0, 0}, [2]int64{low, high})
	for i := range 10 {
		require.NoError(t, p.Produce(msg(testTopic, 2, fmt.Sprint(i)), nil))
	}
	reports(t, p.Events(), 10, 10*time.Second)
	low, high, err = p.QueryWatermarkOffsets(testTopic, 2, 10*1000)
	require.NoError(t, err)
	require.Equal(t, [2]int64{0, 10}, [2]int64{low, high})

	_, _, err = p.QueryWatermarkOffsets(testTopic, 7, 10*1000)
	require.Error(t, err)
	require.Equal(t, kafka.ErrUnknownPartition, err.(kafka.Error).Code())
	_, _, err = p.QueryWatermarkOffsets("missing", 0, 10*1000)
	require.Error(t, err)
	require.Equal(t, kafka.ErrUnknownTopicOrPart, err.(kafka.Error).Code())
}

func TestOffsetsForTimes(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range 3 {
		m := msg(testTopic, 1, fmt.Sprint(i))
		m.Timestamp = base.Add(time.Duration(i) * time.Second)
		require.NoError(t, p.Produce(m, nil))
	}
	for _, r := range reports(t, p.Events(), 3, 10*time.Second) {
		require.NoError(t, r.TopicPartition.Error)
	}
	topic := testTopic
	at := func(d time.Duration) kafka.TopicPartition {
		return kafka.TopicPartition{Topic: &topic, Partition: 1, Offset: kafka.Offset(base.Add(d).UnixMilli())}
	}
	out, err := p.OffsetsForTimes([]kafka.TopicPartition{at(0), at(500 * time.Millisecond), at(2 * time.Second), at(time.Hour)}, 10*1000)
	require.NoError(t, err)
	require.Len(t, out, 4)
	for i, want := range []kafka.Offset{0, 1, 2, kafka.OffsetEnd} {
		require.NoError(t, out[i].Error)
		require.Equal(t, want, out[i].Offset, "partition %d", i)
		require.Equal(t, testTopic, *out[i].Topic)
	}
	bad := kafka.TopicPartition{Topic: &topic, Partition: 9, Offset: 0}
	out, err = p.OffsetsForTimes([]kafka.TopicPartition{bad}, 10*1000)
	require.NoError(t, err)
	require.Equal(t, kafka.ErrUnknownPartition, out[0].Error.(kafka.Error).Code())
}

func TestProduceChannelProducesAndReportsOnEvents(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	for i := range 20 {
		p.ProduceChannel() <- msg(testTopic, kafka.PartitionAny, fmt.Sprint(i))
	}
	for _, m := range reports(t, p.Events(), 20, 10*time.Second) {
		require.NoError(t, m.TopicPartition.Error)
	}
	p.ProduceChannel() <- msg(testTopic, 9, "no such partition")
	m := reports(t, p.Events(), 1, 10*time.Second)[0]
	require.Equal(t, kafka.ErrUnknownPartition, m.TopicPartition.Error.(kafka.Error).Code())
	require.Len(t, records(t, c, testTopic), 20)
}

func TestProduceChannelWaitsForRoomWhenTheQueueIsFull(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"queue.buffering.max.messages": 2})
	for i := range 50 {
		p.ProduceChannel() <- msg(testTopic, 0, fmt.Sprint(i))
	}
	for i, m := range reports(t, p.Events(), 50, 20*time.Second) {
		require.NoError(t, m.TopicPartition.Error, "no ErrQueueFull: the channel waits")
		require.Equal(t, fmt.Sprint(i), string(m.Value), "in order")
	}
}

func TestLogsChannel(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"go.logs.channel.enable": true, "debug": "metadata"})
	require.NotNil(t, p.Logs())
	select {
	case l := <-p.Logs():
		require.NotEmpty(t, l.Tag)
		require.NotEmpty(t, l.Message)
		require.Equal(t, 7, l.Level)
		require.Contains(t, l.String(), "]["+l.Tag+"][7]")
	case <-time.After(10 * time.Second):
		t.Fatal("no log line")
	}
	p.Close()
	for range p.Logs() { // closed: a channel made by the producer
	}
}

func TestStatsEventsComeOnEvents(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"statistics.interval.ms": 100})
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-p.Events():
			s, ok := e.(*kafka.Stats)
			if !ok {
				continue
			}
			require.True(t, strings.HasPrefix(s.String(), "{"), "JSON")
			require.Contains(t, s.String(), `"type":"producer"`)
			require.Equal(t, "producer", s.Typed().Type)
			return
		case <-timeout:
			t.Fatal("no *kafka.Stats event")
		}
	}
}

func TestAllBrokersDownIsAnErrorEvent(t *testing.T) {
	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": "127.0.0.1:1"})
	require.NoError(t, err)
	defer p.Close()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-p.Events():
			ke, ok := e.(kafka.Error)
			require.True(t, ok, "got %T", e)
			require.False(t, ke.IsFatal())
			if ke.Code() == kafka.ErrTransport {
				continue // each failed connection is told first, as librdkafka does
			}
			require.Equal(t, kafka.ErrAllBrokersDown, ke.Code())
			return
		case <-timeout:
			t.Fatal("no ErrAllBrokersDown event")
		}
	}
}

func TestCredentialCallsAreRefusedWhereTheyDoNotApply(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	err := p.SetOAuthBearerToken(kafka.OAuthBearerToken{TokenValue: "t", Expiration: time.Now().Add(time.Hour), Principal: "me"})
	require.Error(t, err)
	require.Equal(t, kafka.ErrState, err.(kafka.Error).Code(), "sasl.mechanisms is not OAUTHBEARER")
	err = p.SetOAuthBearerTokenFailure("no token")
	require.Equal(t, kafka.ErrState, err.(kafka.Error).Code())
	err = p.SetSaslCredentials("", "")
	require.Equal(t, kafka.ErrInvalidArg, err.(kafka.Error).Code())
}

func TestTransactions(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"transactional.id": "txn-test"})
	ctx := context.Background()
	require.NoError(t, p.InitTransactions(ctx))

	require.NoError(t, p.BeginTransaction())
	for i := range 5 {
		require.NoError(t, p.Produce(msg(testTopic, int32(i%3), fmt.Sprintf("committed %d", i)), nil))
	}
	cgm, err := kafka.NewTestConsumerGroupMetadata("group")
	require.NoError(t, err)
	topic := testTopic
	require.NoError(t, p.SendOffsetsToTransaction(ctx, []kafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: 12}}, cgm))
	require.NoError(t, p.CommitTransaction(ctx))
	for _, m := range reports(t, p.Events(), 5, 10*time.Second) {
		require.NoError(t, m.TopicPartition.Error)
	}

	require.NoError(t, p.BeginTransaction())
	require.NoError(t, p.Produce(msg(testTopic, 0, "aborted"), nil))
	require.NoError(t, p.AbortTransaction(ctx))
	reports(t, p.Events(), 1, 10*time.Second)

	err = p.Produce(msg(testTopic, 0, "outside"), nil)
	require.Error(t, err)
	require.Equal(t, kafka.ErrState, err.(kafka.Error).Code(), "no transaction open")

	var committed []string
	for _, r := range records(t, c, testTopic) { // read_committed
		require.True(t, r.Transactional)
		committed = append(committed, fmt.Sprintf("%d %s", r.Partition, r.Value))
	}
	require.Equal(t, []string{"0 committed 0", "0 committed 3", "1 committed 1", "1 committed 4", "2 committed 2"}, committed)
	require.Equal(t, map[string]map[int32]int64{testTopic: {0: 12}}, c.CommittedOffsets("group"))

	np, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": c.BootstrapServers()})
	require.NoError(t, err)
	defer np.Close()
	err = np.InitTransactions(ctx)
	require.Error(t, err)
	require.Equal(t, kafka.ErrNotConfigured, err.(kafka.Error).Code())
}

func TestGetMetadataOfATopicCreatesItAsAProducerDoes(t *testing.T) {
	c := newCluster(t, kprodtest.WithAutoCreateTopics(4))
	p := newProducer(t, c, nil)
	created := "created"
	md, err := p.GetMetadata(&created, false, 10*1000)
	require.NoError(t, err)
	require.Equal(t, kafka.ErrNoError, md.Topics[created].Error.Code())
	require.Len(t, md.Topics[created].Partitions, 4)

	none, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": c.BootstrapServers(), "allow.auto.create.topics": false})
	require.NoError(t, err)
	defer none.Close()
	notCreated := "not-created"
	md, err = none.GetMetadata(&notCreated, false, 10*1000)
	require.NoError(t, err)
	require.Equal(t, kafka.ErrUnknownTopicOrPart, md.Topics[notCreated].Error.Code())
}
