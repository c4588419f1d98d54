package accumulator

import "github.com/kprod-go/kprod/internal/wire"

// Batch is one record batch: the encoded records behind space for the v2
// batch header, in one or more chunks from the producer's Pool, and one
// reference per record that the producer uses to route its delivery report.
//
// A batch has one holder at a time:
//
//   - While it is in its Queue, the queue's lock guards it: Append writes
//     the records and the fields that describe them.
//   - Take, TakeExpired or TakeAll hands it to the caller, the producer's
//     sender, which alone touches it from then on: the goroutine that took
//     it (a sink's, which puts it in a request), then whichever goroutine
//     settles that request (the connection's reader, or the sink when the
//     write failed).
//   - Requeue gives it back to its queue for a retry. The sender's fields
//     keep their values, and the queue reads NotBefore.
//   - When the sender completes it, the producer reads Refs to deliver its
//     reports (in the sender's completion hook); the sender then calls
//     Release, which returns it to its Pool.
//
// Sequence, SeqGen, Attrs, Retries, NotBefore, Status, Wire and WireMore
// belong to the sender. The accumulator sets them only when the sender
// asks (SetWire sets Wire and WireMore) and when Release zeroes them, and
// reads only NotBefore. The sender writes them while it holds the batch,
// and they survive Requeue, so that a retry keeps its sequence, wire form
// and count.
type Batch struct {
	// Buf is the first chunk: space for the 61-byte v2 record batch
	// header, then records. More holds the chunks after it, in order; a
	// record is never split across chunks. Append writes them; they do
	// not change once the batch is taken.
	Buf  []byte
	More [][]byte
	// Refs holds one reference per record, in record order: each Record's
	// Ref, which the accumulator never looks at. The producer stores its
	// *Message there and converts each back when it delivers the reports.
	Refs []any

	BaseTimestamp int64 // milliseconds since the epoch of the first record
	MaxTimestamp  int64 // largest record timestamp, milliseconds since the epoch
	FirstAppend   int64 // monotonic time the first record was appended
	ValueBytes    int64 // sum of value lengths, for the queue.buffering.max.kbytes account

	// RecordsCRC is the CRC-32C of the records (header space excluded),
	// kept by Append when Config.SumRecords is set; Summed says it is.
	// The sender finishes the checksum of an uncompressed batch with it
	// instead of reading the records again.
	RecordsCRC uint32
	Summed     bool

	// Seq orders batches within their queue: a retried batch goes back to its
	// place, in front of every batch created after it. Append sets it.
	Seq uint64

	size   int  // encoded bytes in Buf and More
	sealed bool // no more records will be appended

	// Sequence is the idempotent base sequence, valid when SeqGen != 0, and
	// SeqGen the producer id generation it belongs to (0: none yet). The
	// sender sets both, under the partition's sequence-state lock, when it
	// first puts the batch in a request in a generation; a retry in the
	// same generation keeps them.
	Sequence int32
	SeqGen   uint32
	// Attrs holds the batch attributes: the compression codec, set with
	// Wire when the sender compresses the batch on its first send, and 0
	// when it goes uncompressed.
	Attrs int16
	// Retries counts the retries that used up the retry budget. The
	// sender increments it when an attempt fails in a way that counts.
	Retries int
	// NotBefore is the monotonic time before which a retry must not be
	// sent. The sender sets it before Requeue; Take then waits for it.
	NotBefore int64
	// Status is the persistence status so far, with librdkafka's values
	// (0 not, 1 possibly, 2 persisted), as producer.PersistenceStatus. The sender raises it to possibly persisted
	// when it writes the batch, and settles it from each attempt's outcome.
	Status int8
	// Wire and WireMore are what goes on the wire: Buf and More, or a
	// compressed form installed with SetWire. The sender sets them on the
	// batch's first send and keeps them for its retries; Wire is nil
	// before that.
	Wire     []byte
	WireMore [][]byte

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
