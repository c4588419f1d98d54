package producer_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// hookRecorder implements every hook and records what it is told.
type hookRecorder struct {
	mu          sync.Mutex
	connects    []producer.BrokerConnect
	disconnects []producer.BrokerDisconnect
	writes      []producer.BrokerWrite
	reads       []producer.BrokerRead
	throttles   []producer.BrokerThrottle
	batches     []producer.BatchWritten
	deliveries  []producer.Delivery
}

func (r *hookRecorder) OnBrokerConnect(e producer.BrokerConnect) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.connects = append(r.connects, e)
}

func (r *hookRecorder) OnBrokerDisconnect(e producer.BrokerDisconnect) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.disconnects = append(r.disconnects, e)
}

func (r *hookRecorder) OnBrokerWrite(e producer.BrokerWrite) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, e)
}

func (r *hookRecorder) OnBrokerRead(e producer.BrokerRead) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads = append(r.reads, e)
}

func (r *hookRecorder) OnBrokerThrottle(e producer.BrokerThrottle) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.throttles = append(r.throttles, e)
}

func (r *hookRecorder) OnBatchWritten(e producer.BatchWritten) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, e)
}

func (r *hookRecorder) OnDelivery(e producer.Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliveries = append(r.deliveries, e)
}

// deliveryOnly implements only HookDelivery.
type deliveryOnly struct{ n int }

func (d *deliveryOnly) OnDelivery(producer.Delivery) { d.n++ }

func TestHooksHearConnectionsRequestsBatchesAndDeliveries(t *testing.T) {
	c := newCluster(t)
	var rec hookRecorder
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 60_000, "compression.codec": "lz4"}, producer.WithHooks(&rec))
	for part := range int32(6) {
		for range part + 1 {
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: part, Value: make([]byte, 100)}, nil))
		}
	}
	require.Equal(t, 0, p.Flush(10*time.Second))
	reports := pollReports(t, p, 21, 5*time.Second)
	p.Close()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.deliveries, 21, "one OnDelivery per report")
	for _, d := range rec.deliveries {
		require.NoError(t, d.Err)
		require.Equal(t, testTopic, d.Topic)
		require.GreaterOrEqual(t, d.Offset, int64(0))
		require.Positive(t, d.Latency)
		require.Less(t, d.Latency, 10*time.Second)
	}
	offsets := map[[2]int64]bool{}
	for _, m := range reports {
		offsets[[2]int64{int64(m.Partition), m.Offset}] = true
	}
	for _, d := range rec.deliveries {
		require.True(t, offsets[[2]int64{int64(d.Partition), d.Offset}], "delivery %d@%d matches a report", d.Partition, d.Offset)
	}

	require.Len(t, rec.batches, 6)
	records := 0
	for _, b := range rec.batches {
		require.Equal(t, testTopic, b.Topic)
		require.Equal(t, int(b.Partition)+1, b.Records)
		require.Equal(t, compress.LZ4, b.Codec)
		require.Positive(t, b.CompressedBytes)
		require.Greater(t, b.Bytes, b.CompressedBytes, "100 zero bytes a record compress")
		require.Equal(t, c.LeaderFor(testTopic, b.Partition), b.Broker.NodeID)
		records += b.Records
	}
	require.Equal(t, 21, records)

	require.NotEmpty(t, rec.connects)
	for _, e := range rec.connects {
		require.NoError(t, e.Err)
		require.NotEmpty(t, e.Broker.Addr)
	}
	require.Len(t, rec.disconnects, len(rec.connects), "Close closed every connection once")

	produces := 0
	for _, w := range rec.writes {
		require.NoError(t, w.Err)
		require.Positive(t, w.Bytes)
		if w.Key == kmsg.Produce.Int16() {
			require.Equal(t, "Produce", w.API())
			produces++
		}
	}
	require.Positive(t, produces)
	answered := 0
	for _, r := range rec.reads {
		if r.Key == kmsg.Produce.Int16() {
			require.NoError(t, r.Err)
			require.Positive(t, r.Bytes)
			require.Positive(t, r.RTT)
			answered++
		}
	}
	require.Equal(t, produces, answered, "every Produce request answered once")
	require.Empty(t, rec.throttles)
}

func TestDeliveryHookHearsFailuresWithTheirCode(t *testing.T) {
	c := newCluster(t)
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.InvalidRecord})
	var d deliveryOnly
	var rec hookRecorder
	p := newProducer(t, c, nil, producer.WithHooks(&d), producer.WithHooks(&rec))
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("v")}, nil))
	m := pollReports(t, p, 1, 10*time.Second)[0]
	require.Error(t, m.Err)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Equal(t, 1, d.n)
	require.Len(t, rec.deliveries, 1)
	var perr producer.Error
	require.True(t, errors.As(rec.deliveries[0].Err, &perr))
	require.Equal(t, producer.ErrInvalidRecord, perr.Code())
	require.Equal(t, int64(-1), rec.deliveries[0].Offset)
	require.Equal(t, int32(0), rec.deliveries[0].Partition)
}

func TestThrottleHookHearsTheThrottle(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1))
	throttleFirstProduce(c, 300)
	var rec hookRecorder
	p := newProducer(t, c, producer.ConfigMap{"retry.backoff.ms": 1}, producer.WithHooks(&rec))
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("v")}, nil))
	require.NoError(t, pollReports(t, p, 1, 10*time.Second)[0].Err)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Equal(t, []producer.BrokerThrottle{{
		Broker: producer.Broker{NodeID: 0, Addr: c.ListenAddrs()[0]}, Key: kmsg.Produce.Int16(), Time: 300 * time.Millisecond, AfterResponse: true,
	}}, rec.throttles)
	require.Equal(t, "Produce", rec.throttles[0].API())
}

func TestWithHooksRefusesAValueThatIsNoHook(t *testing.T) {
	c := newCluster(t)
	_, err := producer.New(producer.ConfigMap{"bootstrap.servers": c.ListenAddrs()[0]}, producer.WithHooks(struct{}{}))
	require.Error(t, err)
	var perr producer.Error
	require.True(t, errors.As(err, &perr))
	require.Equal(t, producer.ErrInvalidArg, perr.Code())
}
