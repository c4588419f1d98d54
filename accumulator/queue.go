package accumulator

import (
	"slices"
	"sync"
	"time"

	"github.com/kprod-go/kprod/internal/wire"
)

// Config bounds the batches of every queue that shares it.
type Config struct {
	// MaxBytes caps a batch's encoded size, header included: the smaller of
	// batch.size and what fits in one request. The first record of a batch
	// is always taken, so one large record may exceed it.
	MaxBytes int
	// MaxRecords caps a batch's record count (batch.num.messages).
	MaxRecords int
	// Linger is how long a batch waits for more records (linger.ms).
	Linger time.Duration
	// MaxOpen, when positive, is how long after its first record a batch
	// takes more. Messages time out with their batch, which is as old as
	// its first record: without a bound, a batch that waits through an
	// outage would fail records appended long after that one before their
	// own message.timeout.ms.
	MaxOpen time.Duration
	// Pool supplies and recycles the batches' memory.
	Pool *Pool
	// SumRecords makes Append keep a running CRC-32C of each batch's
	// records (Batch.RecordsCRC), computed as each record is written and
	// still in the CPU's cache, so that the batch's checksum needs no
	// second pass over its records when it goes out as it is. It costs
	// that pass's arithmetic, and is wasted on batches that are
	// compressed: set it when they go uncompressed.
	SumRecords bool
}

// Queue holds one partition's batches, oldest first. It is safe for
// concurrent use: producers append while the sender takes.
type Queue struct {
	cfg *Config

	// mu guards the following.
	mu      sync.Mutex
	batches []*Batch // oldest first; the last one may be open
	nextSeq uint64
	closed  bool // Close has taken the batches: Append refuses records
}

// NewQueue returns an empty queue whose batches follow cfg. cfg is shared
// and must not change afterwards.
func NewQueue(cfg *Config) *Queue { return &Queue{cfg: cfg} }

// AppendResult says what an append did to the queue, so the producer knows
// when to wake the sender.
type AppendResult uint8

const (
	// Started means the record opened a new batch and the queue had no
	// other batch: the sender should arm a linger timer for it.
	Started AppendResult = 1 << iota
	// Sealed means a batch became full and is ready to send now.
	Sealed
	// Closed means the queue is closed and the record was not appended:
	// the caller still owns it, and must report it itself.
	Closed
)

// HeaderLike is satisfied by any struct type made of exactly a Key string
// and a Value []byte, in that order, such as producer.Header: the caller
// hands Append a slice of its own header type, which is encoded as it is,
// without a copy. A nil Value is a null header value.
type HeaderLike interface {
	~struct {
		Key   string
		Value []byte
	}
}

// Record is one message to append. H is the caller's header type.
type Record[H HeaderLike] struct {
	Timestamp int64 // milliseconds since the epoch
	Key       []byte
	Value     []byte
	Headers   []H
	Ref       any // handed back with the batch, in record order
}

// Append encodes r into the queue's open batch, opening a new batch when
// there is none, when r would not fit, or when the open batch is older than
// MaxOpen. A batch past linger.ms is ready but stays open until the sender
// takes it (or MaxOpen passes), as in the Java client: records that arrive
// while it waits for a free in-flight slot join it instead of starting
// batches of their own. now is the current monotonic time. It
// returns what changed and how many bytes the queue's batches grew by (the
// record, plus a batch header when it opened a batch).
func Append[H HeaderLike](q *Queue, r *Record[H], now int64) (AppendResult, int) {
	hdrLen := 0
	if len(r.Headers) > 0 {
		hdrLen = wire.HeadersLen(r.Headers)
	}
	var res AppendResult

	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return Closed, 0
	}
	b := q.openLocked()
	var tsDelta int64
	var offDelta int32
	var bodyLen int
	if b != nil {
		tsDelta = r.Timestamp - b.BaseTimestamp
		offDelta = int32(len(b.Refs))
		bodyLen = wire.RecordBodyLen(tsDelta, offDelta, r.Key, r.Value, len(r.Headers), hdrLen)
		if b.size+wire.RecordLen(bodyLen) > q.cfg.MaxBytes ||
			(q.cfg.MaxOpen > 0 && now-b.FirstAppend > int64(q.cfg.MaxOpen)) {
			b.sealed = true
			res |= Sealed
			b = nil
		}
	}
	if b == nil {
		b = q.cfg.Pool.getBatch()
		b.BaseTimestamp, b.MaxTimestamp, b.FirstAppend = r.Timestamp, r.Timestamp, now
		b.Seq = q.nextSeq
		q.nextSeq++
		if len(q.batches) == 0 {
			res |= Started
		}
		q.batches = append(q.batches, b)
		tsDelta, offDelta = 0, 0
		bodyLen = wire.RecordBodyLen(0, 0, r.Key, r.Value, len(r.Headers), hdrLen)
	}
	grown := b.size
	if res&Started != 0 || len(b.Refs) == 0 {
		grown = 0 // a new batch: its header counts too
	}
	recLen := wire.RecordLen(bodyLen)
	tail := &b.Buf
	if n := len(b.More); n > 0 {
		tail = &b.More[n-1]
	}
	if len(*tail)+recLen > cap(*tail) {
		b.More = append(b.More, q.cfg.Pool.getChunk(recLen))
		tail = &b.More[len(b.More)-1]
	}
	at := len(*tail)
	*tail = wire.AppendRecord(*tail, bodyLen, tsDelta, offDelta, r.Key, r.Value, r.Headers)
	if q.cfg.SumRecords {
		b.RecordsCRC = wire.UpdateRecordsCRC(b.RecordsCRC, (*tail)[at:])
		b.Summed = true
	}
	b.size += recLen
	grown = b.size - grown
	b.Refs = append(b.Refs, r.Ref)
	b.ValueBytes += int64(len(r.Value))
	if r.Timestamp > b.MaxTimestamp {
		b.MaxTimestamp = r.Timestamp
	}
	if len(b.Refs) >= q.cfg.MaxRecords || b.size >= q.cfg.MaxBytes {
		b.sealed = true
		res |= Sealed
	}
	q.mu.Unlock()
	return res, grown
}

// openLocked returns the batch still taking records, or nil.
func (q *Queue) openLocked() *Batch {
	if n := len(q.batches); n > 0 && !q.batches[n-1].sealed {
		return q.batches[n-1]
	}
	return nil
}

// readyAtLocked returns when the head batch may be sent: now or earlier if
// it is ready, a later time if it waits for linger or a retry backoff, and
// never (-1) if the queue is empty.
func (q *Queue) readyAtLocked(flushing bool) int64 {
	if len(q.batches) == 0 {
		return -1
	}
	b := q.batches[0]
	at := b.NotBefore
	if !b.sealed && !flushing {
		at = max(at, b.FirstAppend+int64(q.cfg.Linger))
	}
	return at
}

// ReadyAt returns the monotonic time at which the head batch may be sent
// (now or earlier means it is ready), or -1 when the queue is empty.
func (q *Queue) ReadyAt(flushing bool) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.readyAtLocked(flushing)
}

// Take removes and returns the head batch if it is ready at now and its
// encoded size is at most maxBytes; otherwise it returns nil and the time at
// which the head will be ready (-1 for an empty queue; now or earlier if
// only its size stood in the way).
func (q *Queue) Take(now int64, flushing bool, maxBytes int) (*Batch, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	at := q.readyAtLocked(flushing)
	if at < 0 || at > now {
		return nil, at
	}
	b := q.batches[0]
	if b.size > maxBytes {
		return nil, at
	}
	b.sealed = true
	q.dropLocked(1)
	return b, at
}

// Requeue puts a batch taken earlier back in its place for a retry. It
// returns true if b is now the head of the queue.
func (q *Queue) Requeue(b *Batch) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	b.sealed = true
	i, _ := slices.BinarySearchFunc(q.batches, b.Seq, func(x *Batch, seq uint64) int {
		switch {
		case x.Seq < seq:
			return -1
		case x.Seq > seq:
			return 1
		}
		return 0
	})
	q.batches = slices.Insert(q.batches, i, b)
	return i == 0
}

// TakeExpired removes and returns, in order, the batches at the head of the
// queue whose first record was appended at or before deadline: the ones
// whose message timeout has passed. dst is appended to and returned.
func (q *Queue) TakeExpired(dst []*Batch, deadline int64) []*Batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for n < len(q.batches) && q.batches[n].FirstAppend <= deadline {
		n++
	}
	return q.takeLocked(dst, n)
}

// TakeAll removes and returns every batch, in order, for a purge or close.
func (q *Queue) TakeAll(dst []*Batch) []*Batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.takeLocked(dst, len(q.batches))
}

// Close takes every batch, as TakeAll, and refuses every later Append
// (which returns Closed), so that no record can slip into the queue after
// its owner failed what it held: the one way a producer's Close can leave
// no accepted record without its report.
func (q *Queue) Close(dst []*Batch) []*Batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	return q.takeLocked(dst, len(q.batches))
}

func (q *Queue) takeLocked(dst []*Batch, n int) []*Batch {
	for _, b := range q.batches[:n] {
		b.sealed = true
		dst = append(dst, b)
	}
	q.dropLocked(n)
	return dst
}

// dropLocked removes the first n batches, keeping the slice's backing array
// so that a queue in steady state allocates nothing. Queues hold a handful
// of batches, so the copy is short.
func (q *Queue) dropLocked(n int) {
	k := copy(q.batches, q.batches[n:])
	clear(q.batches[k:])
	q.batches = q.batches[:k]
}

// Len returns the number of batches queued.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.batches)
}

// Counts returns the records queued and their encoded size, headers of
// their batches excluded, for statistics. It takes the queue's lock for a
// walk over its handful of batches.
func (q *Queue) Counts() (records, bytes int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, b := range q.batches {
		records += b.Records()
		bytes += b.RecordsLen()
	}
	return records, bytes
}
