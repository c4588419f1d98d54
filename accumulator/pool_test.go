package accumulator

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/wire"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// decodeChunked finishes b's header over all its chunks and reads the
// batch back with kmsg, returning the record values in order.
func decodeChunked(t *testing.T, b *Batch) []string {
	t.Helper()
	n := int32(b.Records())
	wire.PutBatchHeader(b.Buf, &wire.BatchHeader{LastOffsetDelta: n - 1, NumRecords: n,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}, b.More...)
	whole := append([]byte(nil), b.Buf...)
	for _, c := range b.More {
		whole = append(whole, c...)
	}
	require.Equal(t, whole[wire.BatchHeaderLen:], b.AppendRecords(nil))
	require.Equal(t, b.Size(), len(whole))
	var rb kmsg.RecordBatch
	require.NoError(t, rb.ReadFrom(whole))
	require.Equal(t, int32(len(whole)-12), rb.Length)
	recs := make([]kmsg.Record, n)
	rest := rb.Records
	var values []string
	for i := range recs {
		l, body := readVarint(t, rest)
		n := len(rest) - len(body) + l // length prefix and body
		require.NoError(t, recs[i].ReadFrom(rest[:n]))
		rest = rest[n:]
		values = append(values, string(recs[i].Value))
	}
	require.Empty(t, rest)
	return values
}

func readVarint(t *testing.T, b []byte) (int, []byte) {
	t.Helper()
	var ux uint64
	for i, c := range b {
		ux |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return int(int64(ux>>1) ^ -int64(ux&1)), b[i+1:]
		}
	}
	t.Fatal("truncated varint")
	return 0, nil
}

func TestRecordsSpillIntoChunksAndDecodeAsOneBatch(t *testing.T) {
	q := newTestQueue(1<<20, 1000, time.Hour)
	var want []string
	for i := range 10 {
		v := fmt.Sprintf("%d-%s", i, bytes.Repeat([]byte("v"), 9000))
		want = append(want, v)
		appendValue(q, []byte(v), 0)
	}
	b, _ := q.Take(0, true, 1<<20)
	require.NotNil(t, b)
	require.Len(t, b.More, 3, "10 records of 9 KB: 3 to a 32 KiB chunk")
	for _, c := range append([][]byte{b.Buf}, b.More...) {
		require.Equal(t, ChunkSize, cap(c), "every chunk comes from the pool")
	}
	require.Equal(t, want, decodeChunked(t, b))
}

func TestARecordLargerThanAChunkGetsOneOfItsOwn(t *testing.T) {
	q := newTestQueue(1<<20, 1000, time.Hour)
	big := bytes.Repeat([]byte("B"), 3*ChunkSize)
	appendValue(q, []byte("small"), 0)
	appendValue(q, big, 0)
	appendValue(q, []byte("after"), 0)
	b, _ := q.Take(0, true, 1<<20)
	require.Len(t, b.More, 2, "the big record's own chunk, then a pooled one for the next")
	require.Greater(t, cap(b.More[0]), 3*ChunkSize)
	require.Equal(t, ChunkSize, cap(b.More[1]))
	require.Equal(t, []string{"small", string(big), "after"}, decodeChunked(t, b))

	pool := q.cfg.Pool
	Release(b)
	free, inUse := pool.Held()
	require.Equal(t, 2*ChunkSize, free, "the two pooled chunks are kept; the big one is not")
	require.Zero(t, inUse)
}

func TestReleasedChunksAreReused(t *testing.T) {
	q := newTestQueue(1<<20, 1000, time.Hour)
	v := bytes.Repeat([]byte("v"), 1000)
	fill := func() *Batch {
		for range 100 {
			appendValue(q, v, 0)
		}
		b, _ := q.Take(0, true, 1<<20)
		return b
	}
	b := fill()
	chunks := 1 + len(b.More)
	Release(b)
	free, _ := q.cfg.Pool.Held()
	require.Equal(t, chunks*ChunkSize, free)

	b = fill()
	free, inUse := q.cfg.Pool.Held()
	require.Zero(t, free, "the second batch took every released chunk")
	require.Equal(t, chunks*ChunkSize, inUse)
	Release(b)
}

func TestThePoolKeepsNoMoreThanItsLimit(t *testing.T) {
	pool := NewPool(0) // MinPoolBytes
	limit := MinPoolBytes / ChunkSize
	chunks := make([][]byte, 0, 2*limit)
	for range 2 * limit {
		chunks = append(chunks, pool.getChunk(1))
	}
	pool.mu.Lock()
	for _, c := range chunks {
		pool.putChunkLocked(c)
	}
	pool.mu.Unlock()
	free, inUse := pool.Held()
	require.Equal(t, MinPoolBytes, free)
	require.Zero(t, inUse)
}

func TestTrimDropsWhatWentUnused(t *testing.T) {
	pool := NewPool(0)
	var chunks [][]byte
	for range 10 {
		chunks = append(chunks, pool.getChunk(1))
	}
	pool.mu.Lock()
	for _, c := range chunks {
		pool.putChunkLocked(c)
	}
	pool.mu.Unlock()
	pool.Trim() // the first trim sets the low mark: 10 free, none taken since
	free, _ := pool.Held()
	require.Equal(t, 10*ChunkSize, free, "nothing was taken before the first trim's mark")

	c := pool.getChunk(1) // 9 free at the lowest
	pool.mu.Lock()
	pool.putChunkLocked(c)
	pool.mu.Unlock()
	pool.Trim()
	free, _ = pool.Held()
	require.Equal(t, 1*ChunkSize, free, "9 chunks went unused since the last trim")

	pool.TrimTo(0)
	free, _ = pool.Held()
	require.Zero(t, free)
}

func TestChunksPastTheLimitGoColdAndAreReusedBeforeNewSlabs(t *testing.T) {
	if !slabbed {
		t.Skip("chunks are not carved from slabs on this platform")
	}
	pool := NewPool(0)
	limit := MinPoolBytes / ChunkSize
	chunks := make([][]byte, 0, 2*limit)
	for range 2 * limit {
		c := pool.getChunk(1)
		chunks = append(chunks, append(c, 'x')) // touch it
	}
	slabs := len(pool.slabs)
	require.LessOrEqual(t, slabs, 2*limit*ChunkSize/slabSize+1, "chunks are carved from 16 MiB slabs, with little left over")
	pool.mu.Lock()
	for _, c := range chunks {
		pool.putChunkLocked(c)
	}
	pool.mu.Unlock()
	free, _ := pool.Held()
	require.Equal(t, MinPoolBytes, free, "warm up to the limit")
	require.Len(t, pool.cold, limit, "the rest went cold")
	require.Zero(t, pool.cold[0][:1][0], "a cold chunk's pages were given back: it reads as zeros")

	for range 2 * limit {
		pool.getChunk(1)
	}
	require.Equal(t, slabs, len(pool.slabs), "warm and cold chunks are reused before any new slab")
	pool.Close()
	require.Nil(t, pool.slabs)
}

func TestSetWireCopiesIntoChunksThatAreReleasedWithTheBatch(t *testing.T) {
	q := newTestQueue(1<<20, 1000, time.Hour)
	appendValue(q, []byte("x"), 0)
	b, _ := q.Take(0, true, 1<<20)
	enc := bytes.Repeat([]byte("compressed"), 7000) // 70,000 bytes: three chunks
	b.SetWire(enc)
	require.Len(t, b.WireMore, 2)
	require.Equal(t, enc, append(append([]byte(nil), b.Wire...), bytes.Join(b.WireMore, nil)...))
	require.Equal(t, len(enc), b.WireLen())
	b.SetWire(enc[:100]) // a retry that prepares again gives the old chunks back
	require.Empty(t, b.WireMore)
	_, inUse := q.cfg.Pool.Held()
	require.Equal(t, 2*ChunkSize, inUse, "the batch's own chunk and one for the wire form")
	Release(b)
	_, inUse = q.cfg.Pool.Held()
	require.Zero(t, inUse)
}
