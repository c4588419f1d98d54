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

var batchPool = sync.Pool{New: func() any { return new(Batch) }}

// newBatch returns an empty batch from the pool, with header space reserved.
func newBatch() *Batch {
	b := batchPool.Get().(*Batch)
	b.Buf = wire.AppendBatchHeaderSpace(b.Buf[:0])
	return b
}

// Release returns b to the pool once its delivery reports are out. The
// caller must not touch b afterwards.
func Release(b *Batch) {
	clear(b.Refs) // drop references to messages so they can be collected
	buf, refs, wbuf := b.Buf, b.Refs[:0], b.WireBuf
	if cap(buf) > 4<<20 {
		buf = nil // do not pin the memory of an unusually large batch
	}
	*b = Batch{Buf: buf[:0], Refs: refs, WireBuf: wbuf[:0]}
	batchPool.Put(b)
}
