package accumulator

import (
	"bytes"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/wire"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func newTestQueue(maxBytes, maxRecords int, linger time.Duration) *Queue {
	return NewQueue(&Config{MaxBytes: maxBytes, MaxRecords: maxRecords, Linger: linger, Pool: NewPool(0)})
}

// ref is what tests attach to records: a pointer, as the producer's *Message.
type ref struct{ value string }

func appendValue(q *Queue, v []byte, now int64) (AppendResult, int) {
	return Append(q, &Record[wire.Header]{Timestamp: 1000, Value: v, Ref: &ref{string(v)}}, now)
}

var sharedRef = &ref{}

func appendShared(q *Queue, v []byte) {
	Append(q, &Record[wire.Header]{Timestamp: 1000, Value: v, Ref: sharedRef}, 0)
}

func TestABatchIsReadyWhenFullOrLingeredOrFlushing(t *testing.T) {
	q := newTestQueue(1<<20, 3, 5*time.Millisecond)
	res, _ := appendValue(q, []byte("a"), 0)
	require.Equal(t, Started, res, "the first record starts a batch in an empty queue")
	b, at := q.Take(int64(time.Millisecond), false, 1<<20)
	require.Nil(t, b, "not ready before linger.ms")
	require.Equal(t, int64(5*time.Millisecond), at)
	b, _ = q.Take(int64(time.Millisecond), true, 1<<20)
	require.NotNil(t, b, "ready at once while flushing")
	Release(b)

	appendValue(q, []byte("a"), 0)
	appendValue(q, []byte("b"), 0)
	res, _ = appendValue(q, []byte("c"), 0)
	require.Equal(t, Sealed, res, "the third record fills batch.num.messages")
	b, _ = q.Take(0, false, 1<<20)
	require.NotNil(t, b, "a full batch is ready before linger.ms")
	require.Equal(t, 3, b.Records())
}

func TestARecordThatDoesNotFitStartsTheNextBatch(t *testing.T) {
	q := newTestQueue(wire.BatchHeaderLen+40, 1000, time.Hour)
	appendValue(q, bytes.Repeat([]byte("x"), 20), 0)
	res, _ := appendValue(q, bytes.Repeat([]byte("y"), 20), 0)
	require.Equal(t, Sealed, res)
	require.Equal(t, 2, q.Len())
	b, _ := q.Take(0, false, 1<<20)
	require.Equal(t, 1, b.Records(), "the full batch keeps only what fitted")
}

func TestABatchOlderThanMaxOpenTakesNoMoreRecords(t *testing.T) {
	ms := int64(time.Millisecond)
	q := NewQueue(&Config{MaxBytes: 1 << 20, MaxRecords: 1000, Linger: 5 * time.Millisecond,
		MaxOpen: 100 * time.Millisecond, Pool: NewPool(0)})
	appendValue(q, []byte("a"), 0)
	res, _ := appendValue(q, []byte("b"), 100*ms)
	require.Zero(t, res, "at MaxOpen exactly, the batch still takes records")
	res, _ = appendValue(q, []byte("c"), 100*ms+1)
	require.Equal(t, Sealed, res, "past MaxOpen the old batch is sealed")
	require.Equal(t, 2, q.Len(), "and the record starts the next batch")
	b, _ := q.Take(200*ms, false, 1<<20)
	require.Equal(t, 2, b.Records())
	require.Equal(t, int64(0), b.FirstAppend)
	b, _ = q.Take(200*ms, false, 1<<20)
	require.Equal(t, 1, b.Records())
	require.Equal(t, 100*ms+1, b.FirstAppend, "the new batch ages from its own first record")
}

func TestRequeuedBatchesReturnToTheirPlace(t *testing.T) {
	q := newTestQueue(1<<20, 1, 0)
	for _, v := range []string{"a", "b", "c"} {
		appendValue(q, []byte(v), 0)
	}
	a, _ := q.Take(0, false, 1<<20)
	b, _ := q.Take(0, false, 1<<20)
	require.True(t, q.Requeue(b), "b goes back in front of c, the head while a is out")
	require.True(t, q.Requeue(a), "a, the oldest, goes back in front of b")
	var order []string
	for {
		x, _ := q.Take(0, false, 1<<20)
		if x == nil {
			break
		}
		order = append(order, x.Refs[0].(*ref).value)
	}
	require.Equal(t, []string{"a", "b", "c"}, order)
}

func TestBatchesDecodeAsRecordBatchV2(t *testing.T) {
	q := newTestQueue(1<<20, 1000, 0)
	appendValue(q, []byte("one"), 0)
	appendValue(q, []byte("two"), 0)
	b, _ := q.Take(0, true, 1<<20)
	wire.PutBatchHeader(b.Buf, &wire.BatchHeader{LastOffsetDelta: 1, NumRecords: 2, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
	var rb kmsg.RecordBatch
	require.NoError(t, rb.ReadFrom(b.Buf))
	require.Equal(t, int32(2), rb.NumRecords)
}

func TestAppendAllocatesNothingInSteadyState(t *testing.T) {
	q := newTestQueue(1<<20, 10000, time.Hour)
	v := bytes.Repeat([]byte("v"), 100)
	scratch := make([]*Batch, 0, 16)
	warm := func() {
		for range 1000 {
			appendShared(q, v)
		}
		for _, b := range q.TakeAll(scratch[:0]) {
			Release(b)
		}
	}
	warm()
	allocs := testing.AllocsPerRun(5, warm)
	require.Zero(t, allocs, "allocations per 1000 appends")
}

func BenchmarkAppend(b *testing.B) {
	q := newTestQueue(1_000_000, 10000, time.Hour)
	v := bytes.Repeat([]byte("v"), 100)
	var scratch []*Batch
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	i := 0
	for b.Loop() {
		appendShared(q, v)
		if i++; i%10000 == 0 {
			scratch = q.TakeAll(scratch[:0])
			for _, bb := range scratch {
				Release(bb)
			}
		}
	}
}
