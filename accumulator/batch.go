package accumulator

import "github.com/kprod-go/kprod/internal/wire"

// Batch is one record batch: the encoded records behind space for the v2
// batch header, in one or more chunks from the producer's Pool, and one
// reference per record that the producer uses to route its delivery report.
//
// Until it is taken from its Queue, a batch is guarded by the queue's lock.
// Once taken, it belongs to the sender until it is completed or put back.
type Batch struct {
	// Buf is the first chunk: wire.BatchHeaderLen bytes of header space,
	// then records. More holds the chunks after it, in order; a record is
	// never split across chunks.
	Buf  []byte
	More [][]byte
	// Refs holds one reference per record, in record order.
	Refs []any

	BaseTimestamp int64 // milliseconds since the epoch of the first record
	MaxTimestamp  int64 // largest record timestamp, milliseconds since the epoch
	FirstAppend   int64 // monotonic time the first record was appended
	ValueBytes    int64 // sum of value lengths, for the queue.buffering.max.kbytes account

	// Seq orders batches within their queue: a retried batch goes back to its
	// place, in front of every batch created after it.
	Seq uint64

	size   int  // encoded bytes in Buf and More
	sealed bool // no more records will be appended

	// Owned by the sender once the batch is taken.
	Sequence  int32    // idempotent base sequence, valid when SeqGen != 0
	SeqGen    uint32   // producer id generation Sequence belongs to; 0 = none yet
	Attrs     int16    // batch attributes (the compression codec) once prepared
	Retries   int      // counted retries so far
	NotBefore int64    // monotonic time before which a retry must not be sent
	Status    int8     // persistence status so far: librdkafka's values, as producer.PersistenceStatus (0 not, 1 possibly, 2 persisted)
	Wire      []byte   // what goes on the wire: Buf, or the compressed form's first chunk
	WireMore  [][]byte // and after Wire: More, or the compressed form's other chunks

	wireChunks [][]byte // the chunks holding a compressed form (SetWire)

	pool *Pool // where the chunks came from and the batch goes back to
}

// Records returns the number of records in the batch.
func (b *Batch) Records() int { return len(b.Refs) }

// Size returns the encoded size of the batch, header included.
func (b *Batch) Size() int { return b.size }

// RecordsLen returns the encoded size of the records, header excluded.
func (b *Batch) RecordsLen() int { return b.size - wire.BatchHeaderLen }

// AppendRecords appends the encoded records, header excluded, to dst.
func (b *Batch) AppendRecords(dst []byte) []byte {
	dst = append(dst, b.Buf[wire.BatchHeaderLen:]...)
	for _, c := range b.More {
		dst = append(dst, c...)
	}
	return dst
}

// SetWire makes enc, a wire form prepared elsewhere (header space, then the
// compressed records), the batch's Wire and WireMore, copied into chunks
// from the batch's pool: compressed batches then recycle their memory like
// any other, instead of each holding a buffer grown to its size.
func (b *Batch) SetWire(enc []byte) {
	for _, c := range b.wireChunks {
		b.pool.putChunk(c)
	}
	b.wireChunks = b.wireChunks[:0]
	for len(enc) > 0 {
		c := b.pool.getChunk(min(len(enc), ChunkSize))
		n := min(len(enc), cap(c))
		b.wireChunks = append(b.wireChunks, append(c, enc[:n]...))
		enc = enc[n:]
	}
	b.Wire, b.WireMore = b.wireChunks[0], b.wireChunks[1:]
}

// WireLen returns the size of the batch's wire form once prepared.
func (b *Batch) WireLen() int {
	n := len(b.Wire)
	for _, c := range b.WireMore {
		n += len(c)
	}
	return n
}

// Release returns b to its pool once its delivery reports are out. The
// caller must not touch b afterwards.
func Release(b *Batch) {
	if b.pool != nil {
		b.pool.putBatch(b)
	}
}
