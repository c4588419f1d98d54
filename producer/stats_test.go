package producer_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// statsRun is what Poll returned: delivery reports and statistics, in order.
type statsRun struct {
	reports []*producer.Message
	stats   []*producer.Stats
	// statsAfter counts the statistics received after the last report.
	statsAfter int
}

// pollStats polls p until done says so, failing on the deadline or on an
// error event.
func pollStats(t testing.TB, p *producer.Producer, within time.Duration, done func(*statsRun) bool) *statsRun {
	t.Helper()
	r := &statsRun{}
	deadline := time.Now().Add(within)
	for !done(r) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v with %d reports and %d statistics", within, len(r.reports), len(r.stats))
		}
		switch e := p.Poll(50 * time.Millisecond).(type) {
		case nil:
		case *producer.Message:
			r.reports = append(r.reports, e)
			r.statsAfter = 0
		case *producer.Stats:
			r.stats = append(r.stats, e)
			r.statsAfter++
		default:
			t.Fatalf("unexpected event %T: %v", e, e)
		}
	}
	return r
}

// produceN produces n messages to topic, partition any, and returns
// their values' bytes.
func produceN(t testing.TB, p *producer.Producer, topic string, n int) (valueBytes int64) {
	t.Helper()
	for i := range n {
		m := &producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: keyFor(i), Value: fmt.Appendf(nil, "value-%d", i)}
		valueBytes += int64(len(m.Value))
		require.NoError(t, p.Produce(m, nil))
	}
	return valueBytes
}

// partitionSums adds up the partitions' field over every topic, the "-1"
// entry excluded as librdkafka's totals exclude it.
func partitionSums(s *producer.Stats, field func(producer.PartitionStats) int64) int64 {
	var n int64
	for _, tp := range s.Topics {
		for id, ps := range tp.Partitions {
			if id != "-1" {
				n += field(ps)
			}
		}
	}
	return n
}

func TestStatisticsFitLibrdkafkasSchemaAndCountWhatHappened(t *testing.T) {
	const n = 300
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"statistics.interval.ms": 20, "linger.ms": 2})
	produceN(t, p, testTopic, n)
	// The second statistics after the last report were built after it.
	run := pollStats(t, p, 20*time.Second, func(r *statsRun) bool { return len(r.reports) == n && r.statsAfter >= 2 })
	for _, m := range run.reports {
		require.NoError(t, m.Err)
	}

	var rttCnt, batchMsgs, batchBytes int64
	rttByBroker := map[string]int64{}
	var prev *producer.Stats
	for _, s := range run.stats {
		doc := checkStatsSchema(t, s.String(), false)
		require.Equal(t, "producer", doc["type"])
		for name, b := range s.Brokers {
			rttByBroker[name] += b.RTT.Cnt
			rttCnt += b.RTT.Cnt
			if b.RTT.Cnt > 0 {
				require.True(t, b.RTT.Min <= b.RTT.P50 && b.RTT.P50 <= b.RTT.P99 && b.RTT.P99 <= b.RTT.Max,
					"rtt window of %s out of order: %+v", name, b.RTT)
			}
		}
		tp := s.Topics[testTopic]
		batchMsgs += tp.BatchCnt.Sum
		batchBytes += tp.BatchSize.Sum
		if prev != nil { // counters only grow
			require.GreaterOrEqual(t, s.TxMsgs, prev.TxMsgs)
			require.GreaterOrEqual(t, s.Tx, prev.Tx)
			require.GreaterOrEqual(t, s.Rx, prev.Rx)
			require.Greater(t, s.TS, prev.TS)
		}
		prev = s
	}
	last := run.stats[len(run.stats)-1]
	require.Equal(t, int64(n), partitionSums(last, func(ps producer.PartitionStats) int64 { return ps.TxMsgs }),
		"txmsgs summed over partitions, want the messages delivered")
	require.Equal(t, int64(n), last.TxMsgs)
	require.Equal(t, last.TxMsgBytes, batchBytes, "batchsize windows over every emit, want txmsg_bytes")
	require.Equal(t, int64(n), batchMsgs, "batchcnt windows over every emit, want the messages delivered")
	require.Positive(t, rttCnt, "no rtt sample after traffic")
	for name, b := range last.Brokers {
		require.Equal(t, b.Rx, rttByBroker[name], "rtt samples of %s over every emit, want its responses", name)
	}
	require.Zero(t, last.MsgCnt, "msg_cnt after every report was polled")
	require.Len(t, last.Topics[testTopic].Partitions, 7, "six partitions and the unassigned entry")
	var toppars int
	for _, b := range last.Brokers {
		toppars += len(b.Toppars)
	}
	require.Equal(t, 6, toppars, "toppars over brokers, want each partition under its leader")

	// String is the typed value's JSON.
	var back producer.Stats
	require.NoError(t, json.Unmarshal([]byte(last.String()), &back))
	require.Equal(t, *last, back)
}

func TestStatisticsMsgCntIsLenWhileTheBrokerHoldsTheMessages(t *testing.T) {
	const n, waiting = 40, 7
	c := newCluster(t)
	hold := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		c.SleepControl(func() { <-hold })
		return nil, nil, false
	})
	p := newProducer(t, c, producer.ConfigMap{"statistics.interval.ms": 20, "linger.ms": 1})
	held := produceN(t, p, testTopic, n)
	held += produceN(t, p, "nowhere", waiting) // no such topic: its messages wait for metadata

	inflight := func(ps producer.PartitionStats) int64 { return ps.MsgsInflight }
	run := pollStats(t, p, 10*time.Second, func(r *statsRun) bool {
		return len(r.stats) > 0 && partitionSums(r.stats[len(r.stats)-1], inflight) == n
	})
	s := run.stats[len(run.stats)-1]
	checkStatsSchema(t, s.String(), false)
	require.Empty(t, run.reports)
	require.Equal(t, int64(n+waiting), s.MsgCnt, "msg_cnt, want every message produced")
	require.Equal(t, p.Len(), int(s.MsgCnt), "msg_cnt, want Len at the emit")
	require.Equal(t, held, s.MsgSize, "msg_size, want the held values' bytes")
	require.Equal(t, int64(waiting), s.Topics["nowhere"].Partitions["-1"].MsgqCnt, "the unassigned entry's msgq_cnt")
	require.Zero(t, partitionSums(s, func(ps producer.PartitionStats) int64 { return ps.MsgqCnt }), "messages queued while all are in flight")
	var waitResp int64
	for _, b := range s.Brokers {
		waitResp += b.WaitRespMsgCnt
	}
	require.Equal(t, int64(n), waitResp, "waitresp_msg_cnt over brokers, want the messages in flight")

	release()
	run = pollStats(t, p, 10*time.Second, func(r *statsRun) bool { return len(r.reports) == n && r.statsAfter >= 2 })
	s = run.stats[len(run.stats)-1]
	require.Equal(t, int64(n), s.TxMsgs)
	require.Equal(t, int64(waiting), s.MsgCnt, "msg_cnt once the held messages are reported")
}

func TestStatisticsCountRetriesUnderFaults(t *testing.T) {
	c := newCluster(t)
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.NotEnoughReplicas, Count: 2})
	p := newProducer(t, c, producer.ConfigMap{"statistics.interval.ms": 20, "retry.backoff.ms": 1})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("v")}, nil))
	run := pollStats(t, p, 10*time.Second, func(r *statsRun) bool { return len(r.reports) == 1 && r.statsAfter >= 2 })
	require.NoError(t, run.reports[0].Err)
	s := run.stats[len(run.stats)-1]
	var retries int64
	for _, b := range s.Brokers {
		retries += b.TxRetries
	}
	require.Equal(t, int64(2), retries, "txretries over brokers, want the two faulted attempts")
	require.Equal(t, int64(1), s.Topics[testTopic].Partitions["0"].TxMsgs)
}

func TestStatisticsShowTheIdempotentProducersIDAndEpoch(t *testing.T) {
	const n = 20
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"statistics.interval.ms": 20, "enable.idempotence": true})
	produceN(t, p, testTopic, n)
	run := pollStats(t, p, 10*time.Second, func(r *statsRun) bool { return len(r.reports) == n && r.statsAfter >= 2 })
	s := run.stats[len(run.stats)-1]
	checkStatsSchema(t, s.String(), true)
	records := consume(t, c, testTopic, n)
	require.NotNil(t, s.EOS)
	require.Equal(t, records[0].ProducerID, s.EOS.ProducerID, "eos.producer_id, want the records' producer id")
	require.Equal(t, records[0].ProducerEpoch, s.EOS.ProducerEpoch, "eos.producer_epoch, want the records' epoch")
	require.Equal(t, "Assigned", s.EOS.IdempState)
	require.Equal(t, int64(1), s.EOS.EpochCnt)
	for id, ps := range s.Topics[testTopic].Partitions {
		require.Equal(t, ps.TxMsgs, int64(ps.NextAckSeq), "partition %s: next_ack_seq, want its messages acknowledged in the one epoch", id)
	}
}

func TestNoStatisticsWhenTheIntervalIsZero(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	produceN(t, p, testTopic, 5)
	run := pollStats(t, p, 10*time.Second, func(r *statsRun) bool { return len(r.reports) == 5 })
	require.Empty(t, run.stats)
}
