package producer_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/faultconn"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// These tests run against a broker that, like every released Kafka version,
// accepts any first sequence from a producer id it holds no state for on a
// partition (ProducerStateManager): a new producer id, or one whose state
// the broker expired. KAFKA-15591 narrows this only from Kafka 4.5, and only
// for partitions that never held a record. kfake capped at a released
// version behaves so; uncapped, it models 4.5 and would hide the problem.

// newReleasedCluster is newCluster answering as Kafka 4.0 does.
func newReleasedCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	return newCluster(t, append([]kfake.Opt{kfake.MaxVersions(kversion.V4_0_0())}, opts...)...)
}

// holdProducerIDs keeps every InitProducerId request waiting in the broker
// until release is called, so that what is produced meanwhile is all
// queued before the producer has an id. Once released, the control only
// passes requests on: a request slept by two controls trips a data race
// inside kfake.
func holdProducerIDs(t testing.TB, c *kfake.Cluster) (release func()) {
	ch := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	c.ControlKey(kmsg.InitProducerID.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		select {
		case <-ch:
		default:
			c.SleepControl(func() { <-ch })
		}
		return nil, nil, false
	})
	return release
}

// carriesSequenceZero reports whether a Produce request carries a batch
// with base sequence 0 for any partition of topic.
func carriesSequenceZero(r kmsg.Request, topic string) bool {
	req, ok := r.(*kmsg.ProduceRequest)
	if !ok {
		return false
	}
	for _, rt := range req.Topics {
		if rt.Topic != topic {
			continue
		}
		for _, rp := range rt.Partitions {
			var b kmsg.RecordBatch
			if err := b.ReadFrom(rp.Records); err == nil && b.ProducerID >= 0 && b.FirstSequence == 0 {
				return true
			}
		}
	}
	return false
}

// produceBeforeTheID produces the values from, from+1, ... n of them,
// keyed as produceSequence does, while the producer waits for its id; then
// releases the id and returns the n reports.
func produceBeforeTheID(t *testing.T, p *producer.Producer, from, n int, release func()) []*producer.Message {
	t.Helper()
	for i := from; i < from+n; i++ {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny,
			Key: keyFor(i), Value: []byte(fmt.Sprint(i)), Opaque: i}, nil))
	}
	release()
	require.Zero(t, p.Flush(60*time.Second), "messages left after Flush")
	return pollReports(t, p, n, 10*time.Second)
}

// checkTruthful asserts what an independent consumer reads against the
// reports: checkExactlyOnceInOrder, and within each partition the records
// in the order they were produced (values ascend: produceSequence produces
// them in order).
func checkTruthful(t *testing.T, c *kfake.Cluster, reports []*producer.Message) {
	t.Helper()
	records := checkExactlyOnceInOrder(t, c, reports)
	last := map[int32]*kgo.Record{}
	for _, r := range records {
		if prev, ok := last[r.Partition]; ok {
			var a, b int
			fmt.Sscan(string(prev.Value), &a)
			fmt.Sscan(string(r.Value), &b)
			require.Greater(t, b, a, "partition %d: message %d stored after message %d (offsets %d, %d)",
				r.Partition, b, a, r.Offset, prev.Offset)
		}
		last[r.Partition] = r
	}
}

// TestARefusedFirstBatchIsNotOvertakenByTheBatchesBehindIt is the sequence
// of issue 13: every message is queued before the producer id arrives; the
// first request, carrying each partition's sequence 0, is refused with
// NOT_ENOUGH_REPLICAS (nothing appended) after a delay in which a producer
// that pipelines would have sent the partitions' next batches. A broker
// without state for the new producer id accepts those as first sequences,
// and the refused batch could then only land after them, or, answered
// OUT_OF_ORDER_SEQUENCE_NUMBER, be reported delivered although it is not in
// the log.
func TestARefusedFirstBatchIsNotOvertakenByTheBatchesBehindIt(t *testing.T) {
	for _, mode := range pipeliningModes {
		t.Run(mode.name, func(t *testing.T) { refusedFirstBatch(t, mode.opts) })
	}
}

// pipeliningModes are the idempotent producer's two ways to use a
// partition: one batch in flight (the default) or WithPartitionPipelining.
var pipeliningModes = []struct {
	name string
	opts []producer.Option
}{
	{"one batch in flight per partition", nil},
	{"with partition pipelining", []producer.Option{producer.WithPartitionPipelining()}},
}

func refusedFirstBatch(t *testing.T, opts []producer.Option) {
	c := newReleasedCluster(t, kfake.NumBrokers(1)) // one connection: the pipelined requests follow the refused one
	release := holdProducerIDs(t, c)
	var d faultconn.Dialer
	first := func(r kmsg.Request) bool { return carriesSequenceZero(r, testTopic) }
	refused := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.NotEnoughReplicas, When: first})
	var delayed atomic.Bool
	c.ControlKey(kmsg.Produce.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		if first(r) && delayed.CompareAndSwap(false, true) {
			// Answer once the producer has written more Produce requests
			// behind this one, or after 500 ms if it rightly sends none.
			behind := d.Written(kmsg.Produce.Int16()) + 3
			deadline := time.Now().Add(500 * time.Millisecond)
			c.SleepControl(func() {
				for d.Written(kmsg.Produce.Int16()) < behind && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond) // polling a condition, not synchronising on time
				}
			})
		}
		return nil, nil, false
	})
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true, "max.in.flight": 5,
		"batch.num.messages": 20, "linger.ms": 5, "retry.backoff.ms": 5}, append(opts, producer.WithDialer(d.Dial))...)

	const n = 3000
	reports := produceBeforeTheID(t, p, 0, n, release)
	require.Equal(t, 1, refused.Hits(), "the first request was refused")
	for _, m := range reports {
		require.NoError(t, m.Err, "message %s", m.Value)
		require.Equal(t, producer.Persisted, m.Status)
	}
	checkTruthful(t, c, reports)
	require.NoError(t, p.FatalError())
}

// TestIdempotentSoakOnABrokerThatAcceptsAnyFirstSequence runs several
// producers, one after another, against a broker that accepts any first
// sequence, each queueing all its messages before its producer id arrives,
// while single requests are refused for one partition (nothing appended),
// answered REQUEST_TIMED_OUT after the append, or cut with the connection,
// answers are slowed so that later requests go out behind them, and
// leaders move. Over every seed: nothing lost, duplicated or reordered,
// every message delivered, no fatal error.
//
// Each seed runs with one batch in flight per partition and with
// partition pipelining. KPROD_SOAK_SEEDS sets how many seeds run (default
// 6); KPROD_SOAK_SEED replays one seed.
func TestIdempotentSoakOnABrokerThatAcceptsAnyFirstSequence(t *testing.T) {
	seeds := []uint64{uint64(time.Now().UnixNano())}
	if s := os.Getenv("KPROD_SOAK_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "KPROD_SOAK_SEED")
		seeds[0] = seed
	} else {
		count := 6
		if s := os.Getenv("KPROD_SOAK_SEEDS"); s != "" {
			var err error
			count, err = strconv.Atoi(s)
			require.NoError(t, err, "KPROD_SOAK_SEEDS")
		}
		for i := 1; i < count; i++ {
			seeds = append(seeds, seeds[0]+uint64(i))
		}
	}
	for _, mode := range pipeliningModes {
		for _, seed := range seeds {
			t.Run(fmt.Sprint(mode.name, ", seed ", seed), func(t *testing.T) { soakFirstSequences(t, seed, mode.opts) })
		}
	}
}

// soakFirstSequences is one seed of the soak above.
func soakFirstSequences(t *testing.T, seed uint64, opts []producer.Option) {
	const lives, n = 3, 2000
	rng := rand.New(rand.NewPCG(seed, 13))
	var mu sync.Mutex
	roll := func(k int) int {
		mu.Lock()
		defer mu.Unlock()
		return rng.IntN(k)
	}
	c := newReleasedCluster(t)
	var injected [5]atomic.Int32 // delays, refusals, not leader, timed out after append, connection cuts
	var d faultconn.Dialer
	d.SetFault(func(r faultconn.Response) ([]byte, bool) {
		if r.Key == kmsg.Produce.Int16() && roll(100) < 20 {
			injected[0].Add(1)
			time.Sleep(time.Duration(1+roll(10)) * time.Millisecond) // a slow answer: the fault injected, not synchronisation
		}
		return r.Frame, false
	})
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		fault := func(err *kerr.Error) {
			c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Partitions: []int32{int32(roll(6))}, Err: err})
		}
		switch r := roll(100); {
		case r < 6:
			injected[1].Add(1)
			fault(kerr.NotEnoughReplicas)
		case r < 10:
			injected[2].Add(1)
			fault(kerr.NotLeaderForPartition)
		case r < 14:
			injected[3].Add(1)
			fault(kerr.RequestTimedOut)
		case r < 16:
			injected[4].Add(1)
			return nil, errors.New("injected connection close"), true
		}
		return nil, nil, false
	})
	var reports []*producer.Message
	for life := range lives {
		release := holdProducerIDs(t, c)
		p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true, "max.in.flight": 5,
			"batch.num.messages": 20 + roll(40), "linger.ms": 2, "retry.backoff.ms": 5}, append(opts, producer.WithDialer(d.Dial))...)
		moved := make(chan struct{})
		go func() {
			defer close(moved)
			time.Sleep(time.Duration(roll(30)) * time.Millisecond) // when the leaders move, not synchronisation
			c.ShufflePartitionLeaders()
		}()
		reports = append(reports, produceBeforeTheID(t, p, life*n, n, release)...)
		<-moved
		require.NoError(t, p.FatalError(), "seed %d", seed)
		p.Close()
	}
	for _, m := range reports {
		require.NoError(t, m.Err, "seed %d: message %s", seed, m.Value)
	}
	checkTruthful(t, c, reports)
	t.Logf("seed %d: %d messages from %d producers; injected %d delays, %d NOT_ENOUGH_REPLICAS, %d NOT_LEADER, %d REQUEST_TIMED_OUT after append, %d connection cuts",
		seed, len(reports), lives, injected[0].Load(), injected[1].Load(), injected[2].Load(), injected[3].Load(), injected[4].Load())
}
