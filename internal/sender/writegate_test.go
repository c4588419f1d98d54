package sender

import (
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/broker"
)

// gateFixture is one request carrying one chunked batch, as Sink.send
// leaves it while the connection writes it.
type gateFixture struct {
	pool *accumulator.Pool
	log  *outcomeLog
	s    *Sender
	p    *Partition
	r    *request
	b    *accumulator.Batch
}

func newGateFixture(t *testing.T, retries int) *gateFixture {
	t.Helper()
	f := &gateFixture{pool: accumulator.NewPool(0), log: &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}}
	acfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1000, Linger: time.Hour, Pool: f.pool}
	f.s = New(Config{Retries: retries}, f.log, accumulator.NewClock(), nil)
	t.Cleanup(f.s.Close)
	f.p = NewPartition("gate", 3, acfg)
	f.b = chunkedBatch(t, f.p, 10, 5000)
	f.r = &request{sink: newSink(f.s, 1, "gate:9092"), req: &produceRequest{ProduceRequest: kmsg.NewPtrProduceRequest()}}
	f.r.add(f.p, f.b)
	f.p.inflight.Add(1)
	f.r.beginWrite()
	return f
}

// inUse returns the bytes of chunks in use.
func (f *gateFixture) inUse() int {
	_, n := f.pool.Held()
	return n
}

func TestARequestSettledWhileBeingWrittenKeepsItsChunksUntilTheWriteEnds(t *testing.T) {
	t.Run("failed: released after the write", func(t *testing.T) {
		f := newGateFixture(t, 0)
		inUse := f.inUse()
		require.NotZero(t, inUse)

		f.s.handle(f.r, nil, broker.ErrClosed) // the reader closed the connection mid-write
		require.Len(t, f.log.outcomes[f.b], 1, "the report goes out at once")
		require.Equal(t, inUse, f.inUse(), "the chunks are still being written")

		f.r.endWrite(f.s)
		require.Zero(t, f.inUse(), "released once the write is over")
	})

	t.Run("retried: requeued after the write", func(t *testing.T) {
		f := newGateFixture(t, 3)
		f.s.handle(f.r, nil, broker.ErrClosed)
		require.Zero(t, f.p.Queue.Len(), "not back in the queue while its header may still be read")
		require.Equal(t, int32(1), f.p.inflight.Load())

		f.r.endWrite(f.s)
		require.Equal(t, 1, f.p.Queue.Len())
		require.Zero(t, f.p.inflight.Load())
		require.Empty(t, f.log.outcomes[f.b])
	})

	t.Run("answered with a retriable error mid-write: requeued once", func(t *testing.T) {
		f := newGateFixture(t, 3)
		resp := kmsg.NewPtrProduceResponse()
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic = "gate"
		rp := kmsg.NewProduceResponseTopicPartition()
		rp.Partition, rp.ErrorCode = 3, 6 // NOT_LEADER_OR_FOLLOWER
		rt.Partitions = append(rt.Partitions, rp)
		resp.Topics = append(resp.Topics, rt)

		f.s.handle(f.r, resp, nil) // a broker that answers before reading the whole request
		f.r.endWrite(f.s)
		require.Equal(t, 1, f.p.Queue.Len(), "the retried batch is queued once, not also as left out of the answer")
	})

	t.Run("purged in flight: released after the write", func(t *testing.T) {
		f := newGateFixture(t, 3)
		f.r.sink.track(f.r)
		f.s.mu.Lock()
		f.s.sinks[f.r.sink.id] = f.r.sink
		f.s.mu.Unlock()
		inUse := f.inUse()

		f.s.PurgeInflight()
		require.Len(t, f.log.outcomes[f.b], 1)
		require.Equal(t, errcode.PurgeInflight, f.log.outcomes[f.b][0].Code)
		require.Equal(t, inUse, f.inUse())

		f.r.endWrite(f.s)
		require.Zero(t, f.inUse())
	})
}
