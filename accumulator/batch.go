package accumulator

import (
	"sync"

	"github.com/kprod-go/kprod/internal/wire"
)

// Batch is one record batch: the encoded records behind space for the v2
// batch header, and one reference per record that the producer uses to route
// its delivery report.
//
// Until it is taken from its Queue, a batch is guarded by the queue's lock.
// Once taken, it belongs to the sender until it is completed or put back.
type Batch struct {
	// Buf holds wire.BatchHeaderLen bytes of header space, then the records.
	Buf []byte
	// Refs holds one reference per record, in record order.
	Refs []any

	BaseTimestamp int64 // milliseconds since the epoch of the first record
	MaxTimestamp  int64 // largest record timestamp, milliseconds since the epoch
	FirstAppend   int64 // monotonic time the first record was appended
	ValueBytes    int64 // sum of value lengths, for the queue.buffering.max.kbytes account

	// Seq orders batches within their queue: a retried batch goes back to its
	// place, in front of every batch created after it.
	Seq uint64

	sealed bool // no more records will be appended

	// Owned by the sender once the batch is taken.
	Sequence  int32  // idempotent base sequence, valid when SeqGen != 0
	SeqGen    uint32 // producer id generation Sequence belongs to; 0 = none yet
	Attrs     int16  // batch attributes (the compression codec) once prepared
	Retries   int    // counted retries so far
	NotBefore int64  // monotonic time before which a retry must not be sent
	Status    int8   // persistence status so far (the producer's PersistenceStatus values)
	Wire      []byte // what goes on the wire: Buf, or its compressed form
	WireBuf   []byte // pooled buffer backing a compressed Wire, if any
}

// Records returns the number of records in the batch.
func (b *Batch) Records() int { return len(b.Refs) }

// RecordsLen returns the encoded size of the records, header excluded.
func (b *Batch) RecordsLen() int { return len(b.Buf) - wire.BatchHeaderLen }

// initialCap is the buffer capacity of a batch made from scratch; a batch
// grows from there and keeps its capacity when it returns to the free list.
const initialCap = 16 << 10

// freeListBytes bounds the buffer capacity the free list keeps for reuse:
// released batches beyond it are left to the garbage collector. It is what
// the producer holds on to when idle, on top of queue.buffering.max.kbytes.
const freeListBytes = 32 << 20

// free holds released batches for reuse. Unlike a sync.Pool it survives
// garbage collections, so a busy producer does not regrow its buffers
// after each one (which cost half of Produce's time when it did).
var free struct {
	mu    sync.Mutex
	list  []*Batch
	bytes int
}

// newBatch returns an empty batch, from the free list when it has one, with
// header space reserved and room for about sizeHint bytes (the size the
// queue's previous batch reached), so that it rarely has to grow.
func newBatch(sizeHint int) *Batch {
	free.mu.Lock()
	var b *Batch
	if n := len(free.list); n > 0 {
		b = free.list[n-1]
		free.list[n-1] = nil
		free.list = free.list[:n-1]
		free.bytes -= cap(b.Buf) + cap(b.WireBuf)
	}
	free.mu.Unlock()
	if b == nil {
		b = &Batch{Buf: make([]byte, 0, max(initialCap, sizeHint))}
	} else if cap(b.Buf) < sizeHint {
		b.Buf = make([]byte, 0, sizeHint)
	}
	b.Buf = wire.AppendBatchHeaderSpace(b.Buf[:0])
	return b
}

// Release returns b for reuse once its delivery reports are out. The
// caller must not touch b afterwards.
func Release(b *Batch) {
	clear(b.Refs) // drop references to messages so they can be collected
	*b = Batch{Buf: b.Buf[:0], Refs: b.Refs[:0], WireBuf: b.WireBuf[:0]}
	size := cap(b.Buf) + cap(b.WireBuf)
	free.mu.Lock()
	defer free.mu.Unlock()
	if free.bytes+size <= freeListBytes {
		free.list = append(free.list, b)
		free.bytes += size
	}
}
