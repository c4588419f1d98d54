package producer_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// netSwitch is a dialer that can cut the producer off from every broker
// (closing its open connections and refusing new ones) and restore it: a
// network partition, for the producer only.
type netSwitch struct {
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func (n *netSwitch) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return nil, errors.New("netSwitch: network is down")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil {
		n.conns = append(n.conns, c)
	}
	return c, err
}

// cut closes every connection and refuses new ones until heal.
func (n *netSwitch) cut() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = true
	for _, c := range n.conns {
		c.Close()
	}
	n.conns = nil
}

func (n *netSwitch) heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = false
}

// streamResult is what produceDuring saw.
type streamResult struct {
	reports []*producer.Message
	failed  map[producer.ErrorCode]int
}

// produceDuring produces n keyed messages while disrupt runs (started once
// a third of them are produced), serving reports as it goes, and returns
// every report once all n have one. It fails the test if a report is
// missing or comes twice.
func produceDuring(t *testing.T, p *producer.Producer, n int, disrupt func()) streamResult {
	t.Helper()
	res := streamResult{failed: map[producer.ErrorCode]int{}}
	seen := make([]bool, n)
	take := func(e producer.Event) {
		m, ok := e.(*producer.Message)
		if !ok {
			return
		}
		i := m.Opaque.(int)
		require.False(t, seen[i], "message %d reported twice", i)
		seen[i] = true
		res.reports = append(res.reports, m)
		if m.Err != nil {
			var pe producer.Error
			require.True(t, errors.As(m.Err, &pe))
			res.failed[pe.Code()]++
		}
	}
	var disrupted sync.WaitGroup
	for i := 0; i < n; {
		if i == n/3 {
			disrupted.Add(1)
			go func() { defer disrupted.Done(); disrupt() }()
		}
		err := p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny,
			Key: keyFor(i), Value: []byte(fmt.Sprint(i)), Opaque: i}, nil)
		if errors.Is(err, producer.ErrQueueFull) {
			take(p.Poll(10 * time.Millisecond))
			continue
		}
		require.NoError(t, err)
		i++
		if i%100 == 0 {
			time.Sleep(time.Millisecond) // pace the stream so the disruption lands mid-way
		}
	}
	disrupted.Wait()
	require.Equal(t, 0, p.Flush(60*time.Second), "Flush must return once the cluster is back")
	for len(res.reports) < n {
		e := p.Poll(5 * time.Second)
		require.NotNil(t, e, "missing reports: got %d of %d", len(res.reports), n)
		take(e)
	}
	requireNoMoreReports(t, p)
	require.Equal(t, 0, p.Len())
	return res
}

// checkDeliveredAreInLog asserts every delivered message is in the log,
// exactly once when exactlyOnce (idempotence), at least once otherwise, and
// that no message reported not persisted is in what was read.
func checkDeliveredAreInLog(t *testing.T, c *kfake.Cluster, res streamResult, exactlyOnce bool) {
	t.Helper()
	delivered := map[string]bool{}
	for _, m := range res.reports {
		if m.Err == nil {
			delivered[string(m.Value)] = true
		}
	}
	// Read until every delivered message has been seen: with duplicates
	// in the log (no idempotence), a count of records is reached early.
	cl := newConsumer(t, c, testTopic)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	count := map[string]int{}
	for seen := 0; seen < len(delivered) && ctx.Err() == nil; {
		for _, r := range cl.PollFetches(ctx).Records() {
			v := string(r.Value)
			if count[v] == 0 && delivered[v] {
				seen++
			}
			count[v]++
		}
	}
	extra, cancelExtra := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelExtra()
	for _, r := range cl.PollFetches(extra).Records() { // duplicates still to come
		count[string(r.Value)]++
	}
	for _, m := range res.reports {
		if m.Err != nil && m.Status == producer.NotPersisted {
			require.Zero(t, count[string(m.Value)], "message %s reported not persisted (%v) is in the log", m.Value, m.Err)
		}
	}
	dups := 0
	for v := range delivered {
		require.Positive(t, count[v], "delivered message %s is not in the log", v)
		if count[v] > 1 {
			dups++
		}
	}
	if exactlyOnce {
		require.Zero(t, dups, "duplicates in the log")
	}
	t.Logf("delivered %d, failed %v, duplicated %d", len(delivered), res.failed, dups)
}

// faultModes runs body for a plain and an idempotent producer.
func faultModes(t *testing.T, extra producer.ConfigMap, body func(t *testing.T, idempotent bool, conf producer.ConfigMap)) {
	for _, idem := range []bool{false, true} {
		t.Run(fmt.Sprintf("idempotence=%v", idem), func(t *testing.T) {
			conf := producer.ConfigMap{"linger.ms": 2, "retry.backoff.ms": 20, "enable.idempotence": idem,
				"topic.metadata.refresh.interval.ms": 500}
			for k, v := range extra {
				conf[k] = v
			}
			body(t, idem, conf)
		})
	}
}

func TestABrokerRemovedAndReaddedLosesNothing(t *testing.T) {
	// A request in flight to the removed broker may never be answered:
	// socket.timeout.ms bounds the wait for it, as in librdkafka.
	faultModes(t, producer.ConfigMap{"socket.timeout.ms": 3000}, func(t *testing.T, idem bool, conf producer.ConfigMap) {
		c := newCluster(t)
		p := newProducer(t, c, conf)
		res := produceDuring(t, p, 6000, func() {
			require.NoError(t, c.RemoveNode(1))
			time.Sleep(100 * time.Millisecond) // let the producer run without it for a while
			_, _, err := c.AddNode(1, 0)
			require.NoError(t, err)
			c.ShufflePartitionLeaders()
		})
		require.Empty(t, res.failed)
		checkDeliveredAreInLog(t, c, res, idem)
	})
}

func TestAllBrokersGoneThenBackLosesNothing(t *testing.T) {
	faultModes(t, nil, func(t *testing.T, idem bool, conf producer.ConfigMap) {
		c := newCluster(t)
		var sw netSwitch
		p := newProducer(t, c, conf, producer.WithDialer(sw.dial))
		res := produceDuring(t, p, 6000, func() {
			sw.cut()
			time.Sleep(300 * time.Millisecond) // an outage of some length
			sw.heal()
		})
		require.Empty(t, res.failed)
		checkDeliveredAreInLog(t, c, res, idem)
	})
}

func TestAnOutageLongerThanTheMessageTimeoutFailsMessagesOnceEach(t *testing.T) {
	faultModes(t, producer.ConfigMap{"message.timeout.ms": 300}, func(t *testing.T, idem bool, conf producer.ConfigMap) {
		c := newCluster(t)
		var sw netSwitch
		p := newProducer(t, c, conf, producer.WithDialer(sw.dial))
		res := produceDuring(t, p, 3000, func() {
			sw.cut()
			time.Sleep(800 * time.Millisecond)
			sw.heal()
		})
		for code := range res.failed {
			require.Equal(t, producer.ErrMsgTimedOut, code, "failures are timeouts")
		}
		checkDeliveredAreInLog(t, c, res, idem)
		require.NoError(t, p.FatalError())
	})
}

func TestMetadataErrorsAreRiddenOut(t *testing.T) {
	faultModes(t, nil, func(t *testing.T, idem bool, conf producer.ConfigMap) {
		c := newCluster(t)
		p := newProducer(t, c, conf)
		res := produceDuring(t, p, 3000, func() {
			c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: testTopic, Err: kerr.LeaderNotAvailable, Count: 5})
			c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.NotLeaderForPartition, Count: 3})
		})
		require.Empty(t, res.failed)
		checkDeliveredAreInLog(t, c, res, idem)
	})
}

// deleteTopic deletes topic from c with an independent admin client.
func deleteTopic(t *testing.T, c *kfake.Cluster, topic string) {
	t.Helper()
	admin, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer admin.Close()
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TopicNames = []string{topic}
	dt := kmsg.NewDeleteTopicsRequestTopic()
	dt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, dt)
	resp, err := req.RequestWith(context.Background(), admin)
	require.NoError(t, err)
	for _, rt := range resp.Topics {
		require.NoError(t, kerr.ErrorForCode(rt.ErrorCode), "deleting %s", topic)
	}
}

// A topic deleted while producing is known not to exist once
// topic.metadata.propagation.max.ms has passed since the producer first saw
// it, as librdkafka declares it: queued messages fail at once with
// UNKNOWN_TOPIC_OR_PARTITION instead of waiting out message.timeout.ms,
// Produce fails with ErrUnknownTopic, and the topic created again is
// produced to again.
func TestADeletedTopicFailsFastAndIsProducedToOnceRecreated(t *testing.T) {
	conf := producer.ConfigMap{"topic.metadata.propagation.max.ms": 200, "message.timeout.ms": 120_000,
		"linger.ms": 50}
	faultModes(t, conf, func(t *testing.T, idem bool, conf producer.ConfigMap) {
		c := newCluster(t)
		p := newProducer(t, c, conf)
		produce := func(i int) error {
			return p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny,
				Key: keyFor(i), Value: []byte(fmt.Sprint(i))}, nil)
		}
		require.NoError(t, produce(0))
		require.Equal(t, 0, p.Flush(10*time.Second))
		pollReports(t, p, 1, time.Second)
		time.Sleep(200 * time.Millisecond) // the scenario: the topic is older than the propagation window

		deleteTopic(t, c, testTopic)
		start := time.Now()
		accepted := 0
		var refused error
		require.Eventually(t, func() bool {
			if refused = produce(accepted + 1); refused == nil {
				accepted++
			}
			return refused != nil
		}, 10*time.Second, time.Millisecond, "Produce kept accepting messages for a deleted topic")
		require.ErrorIs(t, refused, producer.ErrUnknownTopic)
		require.Equal(t, 0, p.Flush(10*time.Second), "Flush must not wait out message.timeout.ms")
		for _, m := range pollReports(t, p, accepted, time.Second) {
			if m.Err != nil { // a message sent before the broker saw the deletion may be delivered
				require.ErrorIs(t, m.Err, producer.ErrUnknownTopicOrPart, "report %v", m)
				require.NotEqual(t, producer.Persisted, m.Status)
			}
		}
		requireNoMoreReports(t, p)
		require.Less(t, time.Since(start), 30*time.Second)

		require.NoError(t, c.CreateTopic(testTopic, 6, nil))
		require.Eventually(t, func() bool { return produce(-1) == nil }, 10*time.Second, 10*time.Millisecond,
			"Produce still fails once the topic exists again")
		require.Equal(t, 0, p.Flush(10*time.Second))
		for _, m := range pollReports(t, p, 1, time.Second) {
			require.NoError(t, m.Err)
		}
		require.Equal(t, "-1", string(consume(t, c, testTopic, 1)[0].Value))
		require.NoError(t, p.FatalError())
	})
}

// request.timeout.ms is the ack timeout each Produce request hands the
// broker (librdkafka's meaning). A broker that waits it out for its
// replicas answers REQUEST_TIMED_OUT with the records already appended:
// the producer retries, loses nothing and, idempotent, writes nothing twice.
func TestAResponseDelayedPastRequestTimeoutIsRetried(t *testing.T) {
	const ackTimeout = 250
	conf := producer.ConfigMap{"request.timeout.ms": ackTimeout, "socket.timeout.ms": 5000}
	faultModes(t, conf, func(t *testing.T, idem bool, conf producer.ConfigMap) {
		c := newCluster(t)
		p := newProducer(t, c, conf)
		var requests, wrongTimeout atomic.Int32
		var timedOut *kfake.FaultHandle
		res := produceDuring(t, p, 3000, func() {
			timedOut = c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.RequestTimedOut, Count: 3})
			c.ControlKey(kmsg.Produce.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				req := r.(*kmsg.ProduceRequest)
				if req.TimeoutMillis != ackTimeout {
					wrongTimeout.Add(1)
				}
				if requests.Add(1) <= 3 { // the requests the fault answers wait out their ack timeout first
					c.SleepControl(func() { time.Sleep(time.Duration(req.TimeoutMillis) * time.Millisecond) })
				}
				return nil, nil, false
			})
		})
		require.Empty(t, res.failed)
		checkDeliveredAreInLog(t, c, res, idem)
		require.Zero(t, wrongTimeout.Load(), "a Produce request carried another timeout than request.timeout.ms")
		require.GreaterOrEqual(t, requests.Load(), int32(3), "the slow REQUEST_TIMED_OUT answers were not all given")
		require.Equal(t, 3, timedOut.Hits(), "REQUEST_TIMED_OUT answers")
	})
}

func TestATopicDeletedWhileProducingFailsItsMessagesOnceEach(t *testing.T) {
	faultModes(t, producer.ConfigMap{"message.timeout.ms": 1000}, func(t *testing.T, idem bool, conf producer.ConfigMap) {
		c := newCluster(t)
		p := newProducer(t, c, conf)
		res := produceDuring(t, p, 3000, func() { deleteTopic(t, c, testTopic) })
		t.Logf("reports: %d, failed by code: %v", len(res.reports), res.failed)
		for code := range res.failed {
			require.Contains(t, []producer.ErrorCode{producer.ErrMsgTimedOut, producer.ErrUnknownTopicOrPart, producer.ErrUnknownPartition, producer.ErrUnknownTopic}, code)
		}
	})
}

func TestSoakMixingLoadAndFaults(t *testing.T) {
	n, rounds := 60_000, 6
	if testing.Short() {
		n, rounds = 12_000, 3
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	c := newCluster(t)
	var sw netSwitch
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true, "linger.ms": 2,
		"retry.backoff.ms": 20, "socket.timeout.ms": 3000, "topic.metadata.refresh.interval.ms": 500},
		producer.WithDialer(sw.dial))
	var faults []string
	res := produceDuring(t, p, n, func() {
		for range rounds {
			switch k := rng.IntN(5); k {
			case 0:
				faults = append(faults, "leaders shuffled")
				c.ShufflePartitionLeaders()
			case 1:
				faults = append(faults, "network cut for 200ms")
				sw.cut()
				time.Sleep(200 * time.Millisecond)
				sw.heal()
			case 2:
				faults = append(faults, "NOT_LEADER x3")
				c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.NotLeaderForPartition, Count: 3})
			case 3:
				faults = append(faults, "REQUEST_TIMED_OUT after append x3")
				c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.RequestTimedOut, Count: 3})
			case 4:
				faults = append(faults, "partition moved")
				_ = c.MoveTopicPartition(testTopic, int32(rng.IntN(6)), int32(rng.IntN(3)))
			}
			time.Sleep(time.Duration(50+rng.IntN(100)) * time.Millisecond)
		}
	})
	records := consume(t, c, testTopic, n-sumFailed(res))
	count := map[string]int{}
	reordered := 0
	last := map[string]int{}
	for _, r := range records {
		count[string(r.Value)]++
		var i int
		fmt.Sscan(string(r.Value), &i)
		if prev, ok := last[string(r.Key)]; ok && i < prev {
			reordered++
		}
		last[string(r.Key)] = i
	}
	delivered, duplicates, lost := 0, 0, 0
	for _, m := range res.reports {
		if m.Err != nil {
			continue
		}
		delivered++
		switch count[string(m.Value)] {
		case 0:
			lost++
		case 1:
		default:
			duplicates++
		}
	}
	t.Logf("faults: %v", faults)
	t.Logf("produced %d, delivered %d, failed by code %v, duplicates %d, reordered %d, lost %d",
		n, delivered, res.failed, duplicates, reordered, lost)
	require.Zero(t, duplicates, "duplicates")
	require.Zero(t, reordered, "reordered")
	require.Zero(t, lost, "lost")
	require.Equal(t, n, len(res.reports))
}

// sumFailed counts failed reports.
func sumFailed(res streamResult) int {
	n := 0
	for _, c := range res.failed {
		n += c
	}
	return n
}
