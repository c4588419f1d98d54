package sender

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/broker"
)

// writingRequest returns a request carrying one chunked batch of p, as
// Sink.send leaves it while the connection writes it.
func writingRequest(t *testing.T, s *Sender, p *Partition) (*request, *accumulator.Batch) {
	t.Helper()
	b := chunkedBatch(t, p, 10, 5000)
	r := &request{sink: newSink(s, 1, "gate:9092"), req: &produceRequest{ProduceRequest: kmsg.NewPtrProduceRequest()}}
	r.add(p, b)
	p.inflight.Add(1)
	r.beginWrite()
	return r, b
}

func TestARequestSettledWhileBeingWrittenKeepsItsChunksUntilTheWriteEnds(t *testing.T) {
	var pool *accumulator.Pool
	var acfg *accumulator.Config
	fresh := func() {
		pool = accumulator.NewPool(0)
		acfg = &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1000, Linger: time.Hour, Pool: pool}
	}

	t.Run("failed: released after the write", func(t *testing.T) {
		fresh()
		log := &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}
		s := New(Config{Retries: 0}, log, accumulator.NewClock())
		p := NewPartition("gate", 0, acfg)
		r, b := writingRequest(t, s, p)
		_, inUse := pool.Held()
		require.NotZero(t, inUse)

		s.handle(r, nil, broker.ErrClosed) // the reader closed the connection mid-write
		require.Len(t, log.outcomes[b], 1, "the report goes out at once")
		_, stillInUse := pool.Held()
		require.Equal(t, inUse, stillInUse, "the chunks are still being written")

		r.endWrite(s)
		_, after := pool.Held()
		require.Zero(t, after, "released once the write is over")
	})

	t.Run("retried: requeued after the write", func(t *testing.T) {
		fresh()
		log := &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}
		s := New(Config{Retries: 3}, log, accumulator.NewClock())
		p := NewPartition("gate", 1, acfg)
		r, b := writingRequest(t, s, p)

		s.handle(r, nil, broker.ErrClosed)
		require.Zero(t, p.Queue.Len(), "not back in the queue while its header may still be read")
		require.Equal(t, int32(1), p.inflight.Load())

		r.endWrite(s)
		require.Equal(t, 1, p.Queue.Len())
		require.Zero(t, p.inflight.Load())
		require.Empty(t, log.outcomes[b])
	})

	t.Run("answered with a retriable error mid-write: requeued once", func(t *testing.T) {
		fresh()
		log := &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}
		s := New(Config{Retries: 3}, log, accumulator.NewClock())
		p := NewPartition("gate", 3, acfg)
		r, _ := writingRequest(t, s, p)
		resp := kmsg.NewPtrProduceResponse()
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic = "gate"
		rp := kmsg.NewProduceResponseTopicPartition()
		rp.Partition, rp.ErrorCode = 3, 6 // NOT_LEADER_OR_FOLLOWER
		rt.Partitions = append(rt.Partitions, rp)
		resp.Topics = append(resp.Topics, rt)

		s.handle(r, resp, nil) // a broker that answers before reading the whole request
		r.endWrite(s)
		require.Equal(t, 1, p.Queue.Len(), "the retried batch is queued once, not also as left out of the answer")
	})

	t.Run("purged in flight: released after the write", func(t *testing.T) {
		fresh()
		log := &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}
		s := New(Config{Retries: 3}, log, accumulator.NewClock())
		p := NewPartition("gate", 2, acfg)
		r, b := writingRequest(t, s, p)
		r.sink.track(r)
		s.mu.Lock()
		s.sinks[r.sink.id] = r.sink
		s.mu.Unlock()
		_, inUse := pool.Held()

		s.PurgeInflight()
		require.Len(t, log.outcomes[b], 1)
		require.Equal(t, CodePurgeInflight, log.outcomes[b][0].Code)
		_, stillInUse := pool.Held()
		require.Equal(t, inUse, stillInUse)

		r.endWrite(s)
		_, after := pool.Held()
		require.Zero(t, after)
	})
}
