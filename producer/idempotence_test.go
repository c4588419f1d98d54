package producer_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/faultconn"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// idempotent is the configuration of the idempotence tests: several
// requests in flight per partition, short backoffs.
var idempotent = producer.ConfigMap{
	"enable.idempotence": true,
	"linger.ms":          1,
	"batch.num.messages": 50, // many small batches, so several are in flight per partition
	"retry.backoff.ms":   5,
}

// produceSequence produces n messages whose values are their index, keyed
// so that every partition gets some, and returns once all are reported.
func produceSequence(t *testing.T, p *producer.Producer, n int, within time.Duration) []*producer.Message {
	t.Helper()
	return produceSequenceFrom(t, p, 0, n, within)
}

// produceSequenceFrom is produceSequence for the values from, from+1, ...
// It serves reports while producing, as an application must once it holds
// queue.buffering.max.messages.
func produceSequenceFrom(t *testing.T, p *producer.Producer, from, n int, within time.Duration) []*producer.Message {
	t.Helper()
	reports := make([]*producer.Message, 0, n)
	serve := func(wait time.Duration) {
		if m, ok := p.Poll(wait).(*producer.Message); ok {
			reports = append(reports, m)
		}
	}
	for i := from; i < from+n; {
		err := p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny,
			Key: keyFor(i), Value: []byte(fmt.Sprint(i)), Opaque: i}, nil)
		if errors.Is(err, producer.ErrQueueFull) {
			serve(10 * time.Millisecond)
			continue
		}
		require.NoError(t, err)
		i++
	}
	p.Flush(within)
	return append(reports, pollReports(t, p, n-len(reports), within)...)
}

// checkExactlyOnceInOrder asserts what an independent consumer reads: every
// delivered message exactly once, none that was not delivered, per key in
// production order, and every record written by the idempotent producer.
func checkExactlyOnceInOrder(t *testing.T, c *kfake.Cluster, reports []*producer.Message) []*kgo.Record {
	t.Helper()
	delivered := 0
	for _, m := range reports {
		if m.Err == nil {
			delivered++
		}
	}
	records := consume(t, c, testTopic, delivered)
	require.Equal(t, delivered, len(records), "records in the log, want one per delivered message: no duplicates")
	seen := map[string]bool{}
	last := map[string]int{}
	for _, r := range records {
		require.GreaterOrEqual(t, r.ProducerID, int64(0), "record written without a producer id")
		v := string(r.Value)
		require.False(t, seen[v], "value %s is in the log twice", v)
		seen[v] = true
		var i int
		fmt.Sscan(v, &i)
		if prev, ok := last[string(r.Key)]; ok {
			require.Greater(t, i, prev, "key %s reordered in the log", r.Key)
		}
		last[string(r.Key)] = i
	}
	for _, m := range reports {
		if m.Err == nil {
			require.True(t, seen[string(m.Value)], "delivered message %s is not in the log", m.Value)
		} else {
			require.False(t, seen[string(m.Value)] && m.Status == producer.NotPersisted,
				"message %s reported NotPersisted is in the log", m.Value)
		}
	}
	return records
}

func TestIdempotentProducerWritesEachMessageOnceInOrder(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, idempotent)
	reports := produceSequence(t, p, 5000, 30*time.Second)
	for _, m := range reports {
		require.NoError(t, m.Err)
		require.Equal(t, producer.Persisted, m.Status)
	}
	records := checkExactlyOnceInOrder(t, c, reports)
	pid := records[0].ProducerID
	for _, r := range records {
		require.Equal(t, pid, r.ProducerID, "one producer id for the whole run")
	}
}

// faultProduce makes the next count Produce requests (any partition of
// testTopic) fail with err.
func faultProduce(c *kfake.Cluster, err *kerr.Error, count int) *kfake.FaultHandle {
	return c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: err, Count: count})
}

func TestIdempotentProducerRecoversFromRetriableErrors(t *testing.T) {
	cases := []struct {
		name string
		err  *kerr.Error
	}{
		// The broker appended, then answered with an error: the retry is a duplicate the broker drops.
		{"a response lost after the broker appended (REQUEST_TIMED_OUT)", kerr.RequestTimedOut},
		{"NOT_ENOUGH_REPLICAS_AFTER_APPEND: appended, then refused", kerr.NotEnoughReplicasAfterAppend},
		{"NOT_LEADER_OR_FOLLOWER: retried after a metadata refresh", kerr.NotLeaderForPartition},
		{"NOT_ENOUGH_REPLICAS: retried, counted", kerr.NotEnoughReplicas},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			p := newProducer(t, c, idempotent)
			reports := produceSequence(t, p, 100, 10*time.Second) // producer id and metadata in place
			h := faultProduce(c, tc.err, 5)
			reports = append(reports, produceSequenceFrom(t, p, 100, 3000, 30*time.Second)...)
			require.Equal(t, 5, h.Hits(), "faults hit")
			for _, m := range reports {
				require.NoError(t, m.Err)
				require.Equal(t, producer.Persisted, m.Status)
			}
			checkExactlyOnceInOrder(t, c, reports)
			require.NoError(t, p.FatalError())
		})
	}
}

func TestIdempotentProducerSurvivesClosedConnectionsAndLeaderMoves(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, idempotent)
	var closed atomic.Int32
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		if closed.Add(1) > 4 {
			return nil, nil, false
		}
		c.KeepControl()
		return nil, errors.New("connection closed mid-request"), true
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 {
			time.Sleep(20 * time.Millisecond) // spread the moves over the run
			c.ShufflePartitionLeaders()
		}
	}()
	reports := produceSequence(t, p, 4000, 60*time.Second)
	<-done
	for _, m := range reports {
		require.NoError(t, m.Err)
	}
	checkExactlyOnceInOrder(t, c, reports)
}

func TestOutOfOrderSequenceAtTheHeadIsFatal(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, idempotent)
	produceSequence(t, p, 10, 10*time.Second)
	faultProduce(c, kerr.OutOfOrderSequenceNumber, 1)
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("x")}, nil))
	p.Flush(10 * time.Second)

	var fatalEvent producer.Error
	var report *producer.Message
	deadline := time.Now().Add(10 * time.Second)
	for (report == nil || fatalEvent.Code() == producer.ErrNoError) && time.Now().Before(deadline) {
		switch e := p.Poll(100 * time.Millisecond).(type) {
		case *producer.Message:
			report = e
		case producer.Error:
			if e.IsFatal() { // connection failures may be told too
				fatalEvent = e
			}
		}
	}
	require.NotNil(t, report)
	require.ErrorIs(t, report.Err, producer.ErrOutOfOrderSequenceNumber)
	assert.Equal(t, producer.PossiblyPersisted, report.Status)
	require.True(t, fatalEvent.IsFatal(), "a fatal error event: %v", fatalEvent)
	assert.Equal(t, producer.ErrFatal, fatalEvent.Code())

	require.ErrorIs(t, p.FatalError(), producer.ErrOutOfOrderSequenceNumber, "FatalError keeps the original cause")
	err := p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil)
	require.ErrorIs(t, err, producer.ErrFatal)
	require.ErrorIs(t, err, producer.ErrOutOfOrderSequenceNumber)
}

func TestUnknownProducerIDAtTheHeadBumpsTheEpoch(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, idempotent)
	reports := produceSequence(t, p, 10, 10*time.Second)
	faultProduce(c, kerr.UnknownProducerID, 1)
	reports = append(reports, produceSequenceFrom(t, p, 10, 500, 20*time.Second)...)
	for _, m := range reports {
		require.NoError(t, m.Err)
	}
	records := checkExactlyOnceInOrder(t, c, reports)
	epochs := map[int16]bool{}
	for _, r := range records {
		epochs[r.ProducerEpoch] = true
	}
	assert.Len(t, epochs, 2, "records before and after the epoch bump")
	require.NoError(t, p.FatalError())
}

func TestPermanentErrorLeavesAReportedGapAndTheRestIsWritten(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, idempotent)
	reports := produceSequence(t, p, 10, 10*time.Second)
	// One batch is refused for good; the batches behind it must still be written, once each.
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Partitions: []int32{0}, Err: kerr.InvalidRecord, Count: 1})
	reports = append(reports, produceSequenceFrom(t, p, 10, 2000, 30*time.Second)...)
	failed := 0
	for _, m := range reports {
		if m.Err != nil {
			require.ErrorIs(t, m.Err, producer.ErrInvalidRecord)
			assert.Equal(t, producer.NotPersisted, m.Status)
			failed++
		}
	}
	require.Positive(t, failed)
	checkExactlyOnceInOrder(t, c, reports)
	require.NoError(t, p.FatalError())
}

func TestGaplessGuaranteeMakesAGapFatal(t *testing.T) {
	c := newCluster(t)
	conf := producer.ConfigMap{"enable.gapless.guarantee": true}
	for k, v := range idempotent {
		conf[k] = v
	}
	p := newProducer(t, c, conf)
	produceSequence(t, p, 10, 10*time.Second)
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Partitions: []int32{0}, Err: kerr.InvalidRecord, Count: 1})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("x")}, nil))
	p.Flush(10 * time.Second)
	waitFor(t, 10*time.Second, "the fatal error", func() bool { return p.FatalError() != nil })
	require.ErrorIs(t, p.FatalError(), producer.ErrGaplessGuarantee)
}

func TestSlowBrokerTimesMessagesOutAsPossiblyPersisted(t *testing.T) {
	c := newCluster(t)
	conf := producer.ConfigMap{"message.timeout.ms": 3000} // room for the follow-up under -race on 2 busy cores
	for k, v := range idempotent {
		conf[k] = v
	}
	p := newProducer(t, c, conf)
	warm := produceSequence(t, p, 10, 10*time.Second)
	var slept atomic.Bool
	release := make(chan struct{})
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		// Not sync.Once: a second request would block kfake's control loop
		// in once.Do while the first waits for that loop to wake it.
		if slept.CompareAndSwap(false, true) {
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})
	for i := range 5 {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 1, Value: []byte(fmt.Sprint("slow", i))}, nil))
	}
	reports := pollReports(t, p, 5, 10*time.Second)
	close(release)
	for _, m := range reports {
		require.ErrorIs(t, m.Err, producer.ErrMsgTimedOut, "report %v", m)
		require.Equal(t, producer.PossiblyPersisted, m.Status, "sent, never answered: it may be in the log")
	}
	// The producer carries on: the gap is repaired and later messages are written once.
	after := produceSequenceFrom(t, p, 10, 200, 20*time.Second)
	for _, m := range after {
		require.NoError(t, m.Err)
	}
	require.NoError(t, p.FatalError())
	_ = warm
}

func TestIdempotentSoakWithRandomFaults(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var mu sync.Mutex
	c := newCluster(t)
	var injected [4]atomic.Int32
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		roll := rng.IntN(100)
		part := int32(rng.IntN(6))
		mu.Unlock()
		fault := func(err *kerr.Error) {
			c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Partitions: []int32{part}, Err: err, Count: 1})
		}
		switch {
		case roll < 3:
			injected[0].Add(1)
			return nil, errors.New("injected connection close"), true
		case roll < 8:
			injected[1].Add(1)
			fault(kerr.RequestTimedOut) // appended, answered with an error
		case roll < 13:
			injected[2].Add(1)
			fault(kerr.NotLeaderForPartition)
		case roll < 16:
			injected[3].Add(1)
			fault(kerr.NotEnoughReplicasAfterAppend)
		}
		return nil, nil, false
	})
	conf := producer.ConfigMap{"batch.num.messages": 200, "max.in.flight": 5}
	for k, v := range idempotent {
		if _, ok := conf[k]; !ok {
			conf[k] = v
		}
	}
	p := newProducer(t, c, conf, producer.WithPartitionPipelining()) // several batches in flight per partition under faults
	reports := produceSequence(t, p, n, 120*time.Second)
	for _, m := range reports {
		require.NoError(t, m.Err, "seed %d", seed)
	}
	checkExactlyOnceInOrder(t, c, reports)
	t.Logf("%d messages; injected: %d connection closes, %d REQUEST_TIMED_OUT, %d NOT_LEADER, %d NOT_ENOUGH_REPLICAS_AFTER_APPEND",
		n, injected[0].Load(), injected[1].Load(), injected[2].Load(), injected[3].Load())
}

// TestAPartitionMovedWhileABatchIsInFlightSendsOnceThatBatchLands: an
// idempotent partition sends nothing to its new leader while a batch is in
// flight to the old one. When that batch lands, the new leader's sink must
// be woken: no other traffic wakes it here.
func TestAPartitionMovedWhileABatchIsInFlightSendsOnceThatBatchLands(t *testing.T) {
	const topic = "moving"
	c := newCluster(t, kfake.NumBrokers(2), kfake.SeedTopics(1, topic))
	from := c.LeaderFor(topic, 0)
	to := 1 - from
	var d faultconn.Dialer
	hold := make(chan struct{})
	var held atomic.Bool
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true, "linger.ms": 1,
		"topic.metadata.refresh.interval.ms": 50}, producer.WithDialer(d.Dial))
	// The new leader's sink is connected, with nothing more to send.
	warm := int32(0)
	for c.LeaderFor(testTopic, warm) != to {
		warm++
	}
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: warm, Value: []byte("warm")}, nil))
	require.NoError(t, pollReports(t, p, 1, 10*time.Second)[0].Err)

	d.SetFault(func(r faultconn.Response) ([]byte, bool) {
		if r.Key == kmsg.Produce.Int16() && held.CompareAndSwap(false, true) {
			<-hold // this answer reaches the producer only when the test says
		}
		return r.Frame, false
	})
	defer close(hold)
	require.NoError(t, p.Produce(&producer.Message{Topic: topic, Partition: 0, Value: []byte("in flight")}, nil))
	waitFor(t, 10*time.Second, "the first batch's answer", held.Load)
	require.NoError(t, p.Produce(&producer.Message{Topic: topic, Partition: 0, Value: []byte("queued behind it")}, nil))

	require.NoError(t, c.MoveTopicPartition(topic, 0, to))
	refreshes := d.Written(kmsg.Metadata.Int16())
	waitFor(t, 10*time.Second, "the producer to see the move", func() bool {
		// One refresh sent after the move and answered (the next is sent
		// an interval after the answer): the new leader's sink has been
		// woken by the move and found the partition busy.
		return d.Written(kmsg.Metadata.Int16()) >= refreshes+2
	})
	hold <- struct{}{}
	for _, m := range pollReports(t, p, 2, 5*time.Second) {
		require.NoError(t, m.Err, "message %q", m.Value)
	}
}
