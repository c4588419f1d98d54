package sender

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/deadline"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// minProduceVersion is the oldest that carries record batch v2.
const minProduceVersion = 3

// requestOverhead bounds a Produce request's framing besides topic names and
// batches: header, client id, acks, timeout, array lengths.
const requestOverhead = 128

// perPartitionOverhead bounds the framing around one partition's batch.
const perPartitionOverhead = 16

// inflight is one batch in a request.
type inflight struct {
	r          *request // the request it went in
	p          *Partition
	b          *accumulator.Batch
	prevStatus errcode.Status // the batch's status before this attempt
	answered   bool           // its outcome is decided: success, failure or retry
	done       bool           // the attempt's bookkeeping is over (landed)
	// records is the batch's record count when it was sent, for the
	// in-flight count: landed must not read the batch, which a requeue
	// has handed back to its queue (and a purge may have released).
	records int64

	sent int64 // monotonic time its request was sent; set only when an observer listens
}

// request is one Produce request and the batches it carries.
type request struct {
	sink    *Sink
	conn    *broker.Conn // the connection it was sent on
	req     *produceRequest
	batches []inflight
	settled atomic.Bool // claimed by whichever comes first: the response, or a purge

	// wmu guards the write gate (writegate.go).
	wmu        sync.Mutex
	writing    bool       // the connection is writing the request
	afterWrite []deferred // steps waiting for the write to end
}

// build takes at most one ready batch from each partition, starting at a
// rotating position so that every partition gets its turn, and packs them
// into one Produce request up to message.max.bytes. It returns nil and the
// time the next batch will be ready when nothing is ready now.
func (sk *Sink) build(conn *broker.Conn, parts []*Partition, now int64, flushing bool) (*request, int64) {
	version := min(conn.MaxVersion(kmsg.Produce.Int16()), broker.MaxProduceVersion)
	if v := int16(sk.s.maxProduce.Load()); v > 0 {
		version = min(conn.MaxVersion(kmsg.Produce.Int16()), v)
	}
	idem := sk.s.cfg.Idempotent
	var pid int64 = wire.NoProducerID
	epoch := wire.NoProducerEpoch
	var gen uint32
	if idem {
		// Count this build as in flight while it reads the epoch and takes
		// batches, so that a drain-and-bump cannot complete in between and
		// leave the request carrying an epoch the broker has moved past
		// (INVALID_PRODUCER_EPOCH). The batches taken are counted before
		// the hold is released.
		sk.s.idemInflight.Add(1)
		defer sk.s.releaseInflight()
		var ok bool
		if pid, epoch, gen, ok = sk.s.pid.current(); !ok {
			return nil, -1 // woken when the producer id is usable again
		}
	}
	var r *request
	budget := sk.s.cfg.MaxRequestBytes - requestOverhead
	wakeAt := int64(-1)
	n := len(parts)
	taken := sk.takenScratch(n)
	// The first pass takes the batches that are ready. If it found any, a
	// request goes out anyway, and a second pass adds the other partitions'
	// batches still lingering, as the Java client and franz-go do: fewer,
	// fuller requests at low rates, and no message waits longer for it.
	for pass := 0; pass < 2; pass++ {
		lingerDone := flushing || pass == 1
		if pass == 1 && (r == nil || flushing) {
			break
		}
		for i := range n {
			k := (sk.rr + i) % n
			p := parts[k]
			if taken[k] || (!idem && sk.s.cfg.MaxInFlight == 1 && p.inflight.Load() > 0) {
				continue // woken when its in-flight batches settle
			}
			limit := budget - perPartitionOverhead - len(p.Topic)
			if r == nil {
				limit = math.MaxInt // a request may exceed the limit by its first batch
			}
			b, at := sk.take(p, conn, gen, version, now, lingerDone, limit)
			if b == nil {
				if pass == 0 && at >= 0 && (wakeAt < 0 || at < wakeAt) {
					wakeAt = at
				}
				continue
			}
			taken[k] = true
			if r == nil {
				r = &request{sink: sk, req: &produceRequest{ProduceRequest: kmsg.NewPtrProduceRequest()}}
				r.req.Version = version
				r.req.Acks = sk.s.cfg.Acks
				r.req.TimeoutMillis = int32(sk.s.cfg.RequestTimeout.Milliseconds())
				if sk.s.transactional() {
					r.req.TransactionID = &sk.s.cfg.TransactionalID
				}
			}
			seq := wire.NoSequence
			if idem {
				sk.s.idemInflight.Add(1)
				seq = b.Sequence
			} else {
				p.inflight.Add(1)
			}
			sk.s.prepare(b, &sk.scratch, version, pid, epoch, seq)
			r.add(p, b)
			p.inflightMsgs.Add(r.batches[len(r.batches)-1].records)
			budget -= b.WireLen() + perPartitionOverhead + len(p.Topic)
		}
	}
	if n > 0 {
		sk.rr = (sk.rr + 1) % n
	}
	return r, wakeAt
}

// take returns p's next ready batch of at most maxBytes for a request on
// conn, or nil and the time its head will be ready (-1: the partition waits
// to be woken). An idempotent partition checks and records the send in one
// step (Partition.take). A broker too old for record batch v2 fails each
// batch, leaving a gap if it carried a sequence.
func (sk *Sink) take(p *Partition, conn *broker.Conn, gen uint32, version int16, now int64, lingerDone bool, maxBytes int) (*accumulator.Batch, int64) {
	if version < minProduceVersion {
		if b, _ := p.Queue.Take(now, lingerDone, maxBytes); b != nil {
			const detail = "broker does not support Produce v3 (record batch v2)"
			sk.s.leaveGap(p, b, errcode.UnsupportedFeature, detail)
			sk.s.complete(p, b, Outcome{Code: errcode.UnsupportedFeature, BaseOffset: -1, LogAppendTime: -1, Status: statusOf(b), Detail: detail})
		}
		return nil, -1
	}
	if g := sk.s.cfg.Txn; g != nil {
		// The coordinator moves the epoch on by itself (EndTxn under
		// KIP-890, InitProducerId): a build that read the epoch before
		// the manager installed a new one must take nothing, or its
		// request would be refused as fenced. SetProducerID waits for
		// this build, which holds the in-flight count, before installing.
		if _, _, cur, ok := sk.s.pid.current(); !ok || cur != gen {
			return nil, -1 // woken when the new epoch is installed
		}
		// Ask the gate only for a partition with something queued, which
		// it may add to the transaction; an empty queue gives nothing now
		// (an Append wakes the sink), so a batch appended after this
		// check cannot be taken without the gate's leave.
		if p.Queue.ReadyAt(true) < 0 || !g.Sendable(p) {
			return nil, -1 // woken when the partition is in the transaction, or has a batch
		}
	}
	if sk.s.cfg.Idempotent {
		limit := 1 // a broker that does not check sequences cannot then write a retry after later batches
		if sk.s.cfg.PipelinePartitions {
			limit = sk.s.cfg.MaxInFlight
		}
		return p.take(sk, conn, gen, limit, now, lingerDone, maxBytes)
	}
	return p.Queue.Take(now, lingerDone, maxBytes)
}

// add puts b into the request under its topic.
func (r *request) add(p *Partition, b *accumulator.Batch) {
	r.batches = append(r.batches, inflight{r: r, p: p, b: b, records: int64(b.Records())})
	ti := -1
	for i := range r.req.Topics {
		if r.req.Topics[i].Topic == p.Topic {
			ti = i
			break
		}
	}
	if ti < 0 {
		ti = len(r.req.Topics)
		r.req.Topics = append(r.req.Topics, kmsg.NewProduceRequestTopic())
		r.req.Topics[ti].Topic = p.Topic
		r.req.batches = append(r.req.batches, nil)
	}
	t := &r.req.Topics[ti]
	tp := kmsg.NewProduceRequestTopicPartition()
	tp.Partition = p.ID
	tp.Records = b.Wire
	t.Partitions = append(t.Partitions, tp)
	r.req.batches[ti] = append(r.req.batches[ti], b)
}

// prepare makes the batch's wire form: on the first send it compresses the
// records when a codec is configured, the broker can read it, and it makes
// them smaller; on every send it writes the header with the producer id,
// epoch and sequence of this attempt, and the CRC. sc is the calling
// sink's scratch space for compressing.
func (s *Sender) prepare(b *accumulator.Batch, sc *prepScratch, version int16, pid int64, epoch int16, seq int32) {
	if b.Wire == nil {
		b.Wire, b.WireMore = b.Buf, b.More
		if c := s.cfg.Codec; c != nil && version >= compress.MinProduceVersion(c.Type()) {
			src := b.Buf[wire.BatchHeaderLen:]
			if len(b.More) > 0 {
				sc.gather = b.AppendRecords(sc.gather[:0])
				src = sc.gather
			}
			out := wire.AppendBatchHeaderSpace(sc.out[:0])
			out = slices.Grow(out, s.expectCompressed(len(src)))
			enc, err := c.AppendEncoded(out, src)
			sc.out = enc[:0]
			// On an error, librdkafka's __BAD_COMPRESSION, or when
			// compressing does not make the batch smaller, the batch goes
			// uncompressed, as librdkafka sends it.
			if err == nil {
				s.compressed(len(src), len(enc)-wire.BatchHeaderLen)
				if len(enc) < b.Size() {
					b.SetWire(enc)
					b.Attrs = int16(c.Type())
				}
			}
		}
	}
	n := int32(b.Records())
	attrs := b.Attrs
	if s.transactional() {
		attrs |= wire.AttrTransactional
	}
	h := wire.BatchHeader{
		Attributes:      attrs,
		LastOffsetDelta: n - 1,
		BaseTimestamp:   b.BaseTimestamp,
		MaxTimestamp:    b.MaxTimestamp,
		ProducerID:      pid,
		ProducerEpoch:   epoch,
		BaseSequence:    seq,
		NumRecords:      n,
	}
	if b.Summed && b.Attrs&wire.AttrCodecMask == 0 {
		// The records go as they were appended, and Append summed them
		// while they were in cache: join the header's CRC to that sum
		// rather than read a batch of cold records again.
		wire.PutBatchHeaderSum(b.Wire, &h, b.RecordsLen(), b.RecordsCRC)
		return
	}
	wire.PutBatchHeader(b.Wire, &h, b.WireMore...)
}

// prepScratch is a sink's reusable space for compressing a batch: its
// records gathered in one piece when they lie in several chunks, and the
// codec's output before it is copied into the batch's chunks.
type prepScratch struct {
	gather []byte
	out    []byte
}

// expectCompressed returns room enough, usually, for n bytes of records
// once compressed: the ratio the last batches reached, plus an eighth and
// a little. Growing the output by doubling as the codec writes it cost a
// fifth of kprod's CPU with lz4; the scratch space then keeps its size.
func (s *Sender) expectCompressed(n int) int {
	r := int(s.ratio.Load()) // compressed size per 1024 bytes; 0 before the first batch
	if r == 0 {
		r = 1024
	}
	est := n * r / 1024
	return est + est/8 + 512
}

// compressed records the ratio one batch reached.
func (s *Sender) compressed(in, out int) {
	if in > 0 {
		s.ratio.Store(uint32(min(out*1024/in, 1<<20)))
	}
}

// send writes r on conn; its response, or the connection's failure, comes
// back through handle.
func (sk *Sink) send(conn *broker.Conn, r *request) {
	var now int64
	if sk.s.cfg.Broker.Observer != nil {
		now = sk.s.clock.Now()
	}
	for i := range r.batches {
		t := &r.batches[i]
		t.sent = now
		t.prevStatus = statusOf(t.b)
		setStatus(t.b, max(t.prevStatus, errcode.PossiblyPersisted)) // once written, it may be in the log
	}
	r.conn = conn
	sk.track(r)
	r.beginWrite()
	err := conn.SendDeadline(r.req, sk.s.requestDeadline(r), func(resp kmsg.Response, err error) { sk.s.handle(r, resp, err) })
	r.endWrite(sk.s)
	if err != nil && r.settled.CompareAndSwap(false, true) {
		sk.untrack(r)
		sk.s.retryUnsent(r, sk.s.clock.Now(), err)
	}
}

// retryUnsent retries the batches of r, which was never written (Send
// refused it, or the connection held it back and closed): the attempt is
// not counted, and each batch keeps the status it had before.
func (s *Sender) retryUnsent(r *request, now int64, err error) {
	for i := range r.batches {
		t := &r.batches[i]
		setStatus(t.b, t.prevStatus)
		s.retry(t, now, errcode.Transport, err.Error(), false, errcode.NotPersisted, true)
	}
}

// minRequestWait is how long a request may wait when its first message's
// timeout has already passed (librdkafka's 100 ms).
const minRequestWait = 100 * time.Millisecond

// requestDeadline returns when r's response is due at the latest: when the
// message timeout of its oldest first message passes (librdkafka bounds
// each Produce request the same way), or zero for no such bound. The
// connection also applies socket.timeout.ms.
func (s *Sender) requestDeadline(r *request) time.Time {
	oldest := r.batches[0].b.FirstAppend
	for _, t := range r.batches[1:] {
		oldest = min(oldest, t.b.FirstAppend)
	}
	at, ok := deadline.At(oldest, s.cfg.MessageTimeout)
	if !ok {
		return time.Time{}
	}
	left := time.Duration(at - s.clock.Now())
	return time.Now().Add(max(left, minRequestWait))
}

// takenScratch returns the sink's reusable per-partition flags, cleared, for
// n partitions. Owned by the sink's loop goroutine.
func (sk *Sink) takenScratch(n int) []bool {
	if cap(sk.taken) < n {
		sk.taken = make([]bool, n)
	}
	sk.taken = sk.taken[:n]
	clear(sk.taken)
	return sk.taken
}
