package producer_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/faultconn"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// hostileConf is the base configuration of the hostile broker tests: short
// backoffs so that retries and reconnects happen quickly.
var hostileConf = producer.ConfigMap{
	"linger.ms":            5,
	"retry.backoff.ms":     10,
	"reconnect.backoff.ms": 10,
}

// withConf returns hostileConf with extra on top.
func withConf(extra producer.ConfigMap) producer.ConfigMap {
	m := producer.ConfigMap{}
	for k, v := range hostileConf {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// produceHostile produces n messages valued prefix-i, round-robin over the
// partitions of testTopic, and returns their reports, failing the test
// unless each message gets exactly one.
func produceHostile(t *testing.T, p *producer.Producer, prefix string, n int) []*producer.Message {
	t.Helper()
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: int32(i % 6),
			Value: []byte(fmt.Sprintf("%s-%d", prefix, i)), Opaque: i}, nil))
	}
	p.Flush(20 * time.Second)
	reports := pollReports(t, p, n, 20*time.Second)
	requireNoMoreReports(t, p)
	seen := make([]int, n)
	for _, m := range reports {
		i := m.Opaque.(int)
		seen[i]++
		require.Equal(t, 1, seen[i], "message %d reported twice", i)
	}
	return reports
}

// requireAllDelivered fails the test unless every report is a success.
func requireAllDelivered(t *testing.T, reports []*producer.Message) {
	t.Helper()
	for _, m := range reports {
		require.NoError(t, m.Err, "report for %s", m.Value)
		require.Equal(t, producer.Persisted, m.Status, "status of %s", m.Value)
	}
}

// consumeIncluding reads testTopic from the start with kgo until every
// value in want has been seen, then a little longer for duplicates and
// strays, failing the test if some value is still missing after 20s. The
// log may hold more than want: messages that failed possibly persisted.
func consumeIncluding(t *testing.T, c *kfake.Cluster, want map[string]*producer.Message) []*kgo.Record {
	t.Helper()
	cl := newConsumer(t, c, testTopic)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	missing := len(want)
	seen := map[string]bool{}
	for missing > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%d delivered messages still not in the log after 20s", missing)
		}
		for _, r := range fs.Records() {
			if v := string(r.Value); want[v] != nil && !seen[v] {
				seen[v] = true
				missing--
			}
			out = append(out, r)
		}
	}
	tail, cancelTail := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelTail()
	return append(out, cl.PollFetches(tail).Records()...)
}

// checkLogAgainstReports reads the log with kgo and checks it against every
// report so far: each delivered message is in the log at the partition and
// offset its report gives (exactly once if exactlyOnce, else at least once),
// nothing reported NotPersisted is there, and nothing is there that no
// report accounts for.
func checkLogAgainstReports(t *testing.T, c *kfake.Cluster, reports []*producer.Message, exactlyOnce bool) {
	t.Helper()
	delivered := map[string]*producer.Message{}
	failed := map[string]*producer.Message{}
	for _, m := range reports {
		if m.Err == nil {
			delivered[string(m.Value)] = m
		} else {
			failed[string(m.Value)] = m
		}
	}
	records := consumeIncluding(t, c, delivered)
	type at struct {
		partition int32
		offset    int64
	}
	inLog := map[string]int{}
	logAt := map[at]string{}
	for _, r := range records {
		v := string(r.Value)
		inLog[v]++
		logAt[at{r.Partition, r.Offset}] = v
		if m := failed[v]; m != nil {
			require.NotEqual(t, producer.NotPersisted, m.Status, "%s is in the log but was reported NotPersisted: %v", v, m.Err)
		} else {
			require.NotNil(t, delivered[v], "%s is in the log but no report accounts for it", v)
		}
	}
	for v, m := range delivered {
		require.NotZero(t, inLog[v], "%s reported delivered at %d@%d is not in the log", v, m.Partition, m.Offset)
		if exactlyOnce {
			require.Equal(t, 1, inLog[v], "%s is in the log %d times", v, inLog[v])
		}
		if m.Offset >= 0 {
			require.Equal(t, v, logAt[at{m.Partition, m.Offset}], "reported offset %d@%d of %s holds another record", m.Partition, m.Offset, v)
		}
	}
}

// sentRequest is what a controlled Produce request carried: records per
// partition of testTopic, in request order.
type sentRequest struct {
	partitions []int32
	records    map[int32]int
}

// answerFirstProduce makes the cluster answer the first Produce request for
// testTopic itself: every partition it carries gets NOT_LEADER_OR_FOLLOWER
// (so nothing is written and the producer retries), then edit mangles that
// answer. It returns what the request carried once it has been answered.
func answerFirstProduce(t *testing.T, c *kfake.Cluster, edit func(req *sentRequest, resp *kmsg.ProduceResponse)) func() *sentRequest {
	t.Helper()
	var mu sync.Mutex
	var seen *sentRequest
	c.ControlKey(kmsg.Produce.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.ProduceRequest)
		if len(req.Topics) == 0 || req.Topics[0].Topic != testTopic {
			return nil, nil, false
		}
		sent := &sentRequest{records: map[int32]int{}}
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			t := kmsg.NewProduceResponseTopic()
			t.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				var b kmsg.RecordBatch
				if err := b.ReadFrom(rp.Records); err == nil {
					sent.partitions = append(sent.partitions, rp.Partition)
					sent.records[rp.Partition] += int(b.NumRecords)
				}
				p := kmsg.NewProduceResponseTopicPartition()
				p.Partition, p.ErrorCode = rp.Partition, 6 // NOT_LEADER_OR_FOLLOWER
				t.Partitions = append(t.Partitions, p)
			}
			resp.Topics = append(resp.Topics, t)
		}
		edit(sent, resp)
		mu.Lock()
		seen = sent
		mu.Unlock()
		return resp, nil, true
	})
	return func() *sentRequest {
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

// partitionEntry returns resp's entry for partition of testTopic.
func partitionEntry(resp *kmsg.ProduceResponse, partition int32) *kmsg.ProduceResponseTopicPartition {
	for ti := range resp.Topics {
		for pi := range resp.Topics[ti].Partitions {
			if p := &resp.Topics[ti].Partitions[pi]; p.Partition == partition {
				return p
			}
		}
	}
	return nil
}

func TestHostileProduceResponsesGetOneReportEachAndNoFalseDelivery(t *testing.T) {
	type failure struct {
		code   producer.ErrorCode
		status producer.PersistenceStatus
		msg    string
	}
	cases := []struct {
		name string
		edit func(req *sentRequest, resp *kmsg.ProduceResponse)
		// which partitions of the request fail, and how; the others are retried and delivered
		fails func(req *sentRequest) (partitions []int32, f *failure)
		// the answer closes the connection: another request in flight on
		// it may have been written and is retried all the same, so without
		// idempotence its records may be in the log twice (as librdkafka's)
		reconnects bool
	}{
		{"a response naming partitions that were not sent, with success", func(req *sentRequest, resp *kmsg.ProduceResponse) {
			for id := int32(0); id < 8; id++ {
				if _, sent := req.records[id]; !sent {
					p := kmsg.NewProduceResponseTopicPartition()
					p.Partition, p.BaseOffset = id, 4242
					resp.Topics[0].Partitions = append(resp.Topics[0].Partitions, p)
				}
			}
			ghost := kmsg.NewProduceResponseTopic()
			ghost.Topic = "ghost"
			ghost.Partitions = []kmsg.ProduceResponseTopicPartition{kmsg.NewProduceResponseTopicPartition()}
			resp.Topics = append(resp.Topics, ghost)
		}, func(*sentRequest) ([]int32, *failure) { return nil, nil }, false},
		// A response that does not answer what was sent closes the connection;
		// what it left out is retried on a new one and delivered.
		{"a response that leaves a sent partition out is retried after a reconnect", func(req *sentRequest, resp *kmsg.ProduceResponse) {
			resp.Topics[0].Partitions = resp.Topics[0].Partitions[1:]
		}, func(req *sentRequest) ([]int32, *failure) { return nil, nil }, true},
		{"a response with the wrong topic name is retried after a reconnect", func(req *sentRequest, resp *kmsg.ProduceResponse) {
			for i := range resp.Topics {
				resp.Topics[i].Topic = testTopic + "-wrong"
			}
		}, func(req *sentRequest) ([]int32, *failure) { return nil, nil }, true},
		{"a response with an error code unknown to Kafka", func(req *sentRequest, resp *kmsg.ProduceResponse) {
			partitionEntry(resp, req.partitions[0]).ErrorCode = 9999
		}, func(req *sentRequest) ([]int32, *failure) {
			return req.partitions[:1], &failure{producer.ErrorCode(9999), producer.NotPersisted, "(9999)"}
		}, false},
		{"a response answering a partition twice, retriable first, then success", func(req *sentRequest, resp *kmsg.ProduceResponse) {
			p := kmsg.NewProduceResponseTopicPartition()
			p.Partition, p.BaseOffset = req.partitions[0], 4242 // never written: must be ignored
			resp.Topics[0].Partitions = append(resp.Topics[0].Partitions, p)
		}, func(*sentRequest) ([]int32, *failure) { return nil, nil }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			sent := answerFirstProduce(t, c, tc.edit)
			p := newProducer(t, c, hostileConf)
			const n = 60
			reports := produceHostile(t, p, "first", n)
			req := sent()
			require.NotNil(t, req, "no Produce request was controlled")

			failParts, f := tc.fails(req)
			wantFailed := 0
			for _, id := range failParts {
				wantFailed += req.records[id]
			}
			require.Equal(t, f != nil, wantFailed > 0, "records in the faulted batches %v of %+v", failParts, req)
			failed := 0
			for _, m := range reports {
				if m.Err == nil {
					assert.Equal(t, producer.Persisted, m.Status, "status of delivered %s", m.Value)
					assert.NotEqual(t, int64(4242), m.Offset, "%s reported at an offset only the hostile answer named", m.Value)
					continue
				}
				failed++
				require.NotNil(t, f, "%s failed: %v", m.Value, m.Err)
				assert.Contains(t, failParts, m.Partition, "%s failed in a partition the fault did not touch: %v", m.Value, m.Err)
				var perr producer.Error
				require.ErrorAs(t, m.Err, &perr)
				assert.Equal(t, f.code, perr.Code(), "error code of %s: %v", m.Value, m.Err)
				assert.Equal(t, f.status, m.Status, "status of %s: %v", m.Value, m.Err)
				assert.Contains(t, m.Err.Error(), f.msg)
				assert.Contains(t, m.Err.Error(), fmt.Sprintf("%s [%d]", testTopic, m.Partition), "the error names the partition")
			}
			require.Equal(t, wantFailed, failed, "failed reports, want one per record of the faulted batches %v of %+v", failParts, req)

			// The producer carries on.
			reports = append(reports, produceHostile(t, p, "after", n)...)
			requireAllDelivered(t, reports[n:])
			checkLogAgainstReports(t, c, reports, !tc.reconnects)
		})
	}
}

// setLength overwrites a response frame's length prefix.
func setLength(frame []byte, n uint32) []byte {
	binary.BigEndian.PutUint32(frame, n)
	return frame
}

// onceCounting applies f to the first Produce response and records how
// many connections d had dialed when it did.
func onceCounting(d *faultconn.Dialer, f faultconn.Fault) (fault faultconn.Fault, dialsAtFault func() int) {
	var at atomic.Int32
	at.Store(-1)
	fault, _ = faultconn.Once(kmsg.Produce.Int16(), func(r faultconn.Response) ([]byte, bool) {
		at.Store(int32(d.Dials()))
		return f(r)
	})
	return fault, func() int { return int(at.Load()) }
}

// byteFaults are connection-level faults on one Produce response, with what
// the error of a request they end must say.
var byteFaults = []struct {
	name  string
	fault faultconn.Fault
	msg   string
}{
	{"a response cut short mid-body, then a hang-up", func(r faultconn.Response) ([]byte, bool) {
		return r.Frame[:len(r.Frame)/2], true
	}, "unexpected EOF"},
	{"a response with the wrong correlation id", func(r faultconn.Response) ([]byte, bool) {
		binary.BigEndian.PutUint32(r.Frame[4:], uint32(r.CorrID+1000))
		return r.Frame, false
	}, "correlation id"},
	{"a length prefix of 0x7fffffff", func(r faultconn.Response) ([]byte, bool) {
		return setLength(r.Frame, 0x7fffffff), false
	}, "response size"},
	{"a negative length prefix", func(r faultconn.Response) ([]byte, bool) {
		return setLength(r.Frame, 0x80000000), false
	}, "response size"},
	{"garbage in place of the body", func(r faultconn.Response) ([]byte, bool) {
		for i := 8; i < len(r.Frame); i++ {
			r.Frame[i] = 0xff
		}
		return r.Frame, false
	}, "Produce response"},
	{"a body cut short inside a well-formed frame", func(r faultconn.Response) ([]byte, bool) {
		f := r.Frame[:len(r.Frame)-5]
		return setLength(f, uint32(len(f)-4)), false
	}, "Produce response"},
}

func TestHostileBytesAreRetriedOnANewConnectionAndWrittenOnce(t *testing.T) {
	for _, bf := range byteFaults {
		t.Run(bf.name, func(t *testing.T) {
			c := newCluster(t)
			var d faultconn.Dialer
			fault, dialsAtFault := onceCounting(&d, bf.fault)
			d.SetFault(fault)
			p := newProducer(t, c, withConf(producer.ConfigMap{"enable.idempotence": true}), producer.WithDialer(d.Dial))
			const n = 60
			reports := produceHostile(t, p, "first", n)
			require.NotEqual(t, -1, dialsAtFault(), "the fault never hit a Produce response")
			dials := d.Dials()
			require.Greater(t, dials, dialsAtFault(), "no new connection after the fault")
			requireAllDelivered(t, reports)

			reports = append(reports, produceHostile(t, p, "after", n)...)
			requireAllDelivered(t, reports[n:])
			checkLogAgainstReports(t, c, reports, true)
			require.NoError(t, p.FatalError())
			require.Equal(t, dials, d.Dials(), "connections dialed after the fault was over")
		})
	}
}

func TestHostileBytesWithNoRetriesFailWithATransportError(t *testing.T) {
	for _, bf := range byteFaults {
		t.Run(bf.name, func(t *testing.T) {
			c := newCluster(t)
			var d faultconn.Dialer
			fault, dialsAtFault := onceCounting(&d, bf.fault)
			d.SetFault(fault)
			p := newProducer(t, c, withConf(producer.ConfigMap{"retries": 0}), producer.WithDialer(d.Dial))
			const n = 30
			reports := produceHostile(t, p, "first", n)
			require.NotEqual(t, -1, dialsAtFault(), "the fault never hit a Produce response")
			failed, saysWhy := 0, false
			for _, m := range reports {
				if m.Err == nil {
					continue
				}
				failed++
				var perr producer.Error
				require.ErrorAs(t, m.Err, &perr)
				assert.Equal(t, producer.ErrTransport, perr.Code(), "%s: %v", m.Value, m.Err)
				assert.Equal(t, producer.PossiblyPersisted, m.Status, "%s: %v", m.Value, m.Err)
				saysWhy = saysWhy || strings.Contains(m.Err.Error(), bf.msg)
			}
			require.NotZero(t, failed, "no message failed")
			require.True(t, saysWhy, "no failed report says %q", bf.msg)

			reports = append(reports, produceHostile(t, p, "after", n)...)
			requireAllDelivered(t, reports[n:])
			require.Greater(t, d.Dials(), dialsAtFault(), "no new connection after the fault")
			checkLogAgainstReports(t, c, reports, false)
		})
	}
}

func TestHostileSlowBrokerTimesOutAndMessagesAreRetried(t *testing.T) {
	cases := []struct {
		name       string
		idempotent bool
	}{
		{"acks=all without idempotence: delivered at least once", false},
		{"idempotent: delivered exactly once", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testSlowBroker(t, tc.idempotent)
		})
	}
}

// testSlowBroker delays one Produce response past socket.timeout.ms.
func testSlowBroker(t *testing.T, idempotent bool) {
	c := newCluster(t)
	var d faultconn.Dialer // counts connections; no fault
	conf := withConf(producer.ConfigMap{"socket.timeout.ms": 200, "enable.idempotence": idempotent, "acks": "all"})
	p := newProducer(t, c, conf, producer.WithDialer(d.Dial))
	warm := produceHostile(t, p, "warm", 6)
	requireAllDelivered(t, warm)
	dials := d.Dials()

	release := make(chan struct{})
	var slept atomic.Bool
	c.ControlKey(kmsg.Produce.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		if slept.CompareAndSwap(false, true) {
			c.SleepControl(func() { <-release }) // answered after the retry, on a dead connection
		}
		return nil, nil, false
	})
	reports := produceHostile(t, p, "slow", 60)
	close(release)
	require.True(t, slept.Load(), "no Produce request was delayed")
	require.Greater(t, d.Dials(), dials, "no new connection after the timeout")
	requireAllDelivered(t, reports)

	reports = append(append(reports, warm...), produceHostile(t, p, "after", 60)...)
	requireAllDelivered(t, reports)
	checkLogAgainstReports(t, c, reports, idempotent)
}
