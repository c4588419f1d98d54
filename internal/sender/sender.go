// Package sender moves ready batches from partition queues to their leader
// brokers and turns responses into outcomes: one Sink per broker builds
// Produce requests that combine several partitions' batches, pipelines them
// on the broker's connection, and retries or completes each batch when its
// response comes back.
package sender

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/deadline"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/route"
)

// Config is the part of the producer's configuration the sender applies.
// The producer's property table writes the property-backed fields
// directly (producer/config_props.go); New fills in the rest.
type Config struct {
	Acks                int16          // acks
	RequestTimeout      time.Duration  // request.timeout.ms, the Produce request's Timeout field
	MaxInFlight         int            // max.in.flight.requests.per.connection
	MaxRequestBytes     int            // message.max.bytes
	Retries             int            // retries
	RetryBackoff        time.Duration  // retry.backoff.ms
	RetryBackoffMax     time.Duration  // retry.backoff.max.ms
	MessageTimeout      time.Duration  // message.timeout.ms; 0 means no timeout
	ReconnectBackoff    time.Duration  // reconnect.backoff.ms
	ReconnectBackoffMax time.Duration  // reconnect.backoff.max.ms
	Codec               compress.Codec // compression.type and compression.level; nil means no compression
	Broker              broker.Config  // how connections are made (client.id, socket.* properties)
	Idempotent          bool           // enable.idempotence: producer id, epoch and sequences
	Gapless             bool           // enable.gapless.guarantee: a gap is fatal instead of repaired by an epoch bump
	// PipelinePartitions lets an idempotent partition have up to
	// MaxInFlight batches in flight once the broker has shown it holds the
	// producer's state (WithPartitionPipelining); otherwise one.
	PipelinePartitions bool
	// TransactionalID makes the producer transactional, with Txn: Produce
	// requests carry it, batches are marked transactional, the producer id
	// comes from the transaction manager (Sender.SetProducerID), and Txn
	// decides which partitions may send. Both or neither are set.
	TransactionalID string
	Txn             TxnGate

	// Router sends the control requests (InitProducerId) on connections
	// apart from the produce connections; required when Idempotent. Broker.Observer, when set, also
	// hears of every batch written.
	Router *route.Router
	// Log takes the topic (leader changes) and eos (producer id, epoch)
	// debug lines; nil logs nothing.
	Log *logx.Logger
}

// Results is the one way up from the sender to the producer: the sender
// calls it, and nothing it does calls back into the sender. The producer
// implements it with its senderResults type (producer/delivery.go: Complete
// fills in and routes the delivery reports; producer/fatal.go: Fatal).
// Methods are called from sink, connection and housekeeping goroutines,
// from the router's goroutine (InitProducerId's answer), from the metadata
// loop (FailQueued), and from the application's goroutine in Purge and
// Close; no sender lock is held. They must not block.
type Results interface {
	// Complete is called exactly once per batch when its fate is known.
	// The batch is released to the pool when Complete returns.
	Complete(p *Partition, b *accumulator.Batch, o Outcome)
	// RefreshMetadata asks for a metadata refresh soon; reason is for logs.
	RefreshMetadata(reason string)
	// Fatal reports a fatal idempotence error, once, before the sender
	// fails its queued batches with errcode.PurgeQueue. The sender sends
	// nothing more; requests in flight still complete.
	Fatal(code errcode.Code, detail string)
}

// Partition is one topic partition's queue and its current leader. The
// sender owns it: it creates it (Sender.AddPartitions), sends, retries,
// expires and fails its batches. The producer appends to it (Append) and
// names its leader (Sender.Assign).
type Partition struct {
	Topic string
	ID    int32
	Queue *accumulator.Queue

	leader atomic.Pointer[Sink] // nil while the partition has no known leader

	// seq is the partition's idempotence state, used only when the
	// producer is idempotent.
	seq seqState

	// inflight counts the partition's batches in flight when the producer
	// is not idempotent; with max.in.flight 1 it keeps the partition to one
	// batch in flight on any connection, so that a leader change cannot
	// let a newer batch overtake a failed one.
	inflight atomic.Int32

	// inflightMsgs counts the records of the partition's batches in
	// flight, for statistics (msgs_inflight): added when a request takes a
	// batch, taken off when the attempt lands. Written once per batch.
	inflightMsgs atomic.Int64
	// failedMsgs counts the records of the partition's batches that ended
	// in failure (failed, expired, purged), so that the statistics' msgs
	// (every message produced to the partition) only grows.
	failedMsgs atomic.Int64

	// TxnSerial is the number of the transaction the partition was last
	// added to (AddPartitionsToTxn); written by the transaction manager,
	// read by the sink through TxnGate.Sendable.
	TxnSerial atomic.Uint64
}

// PartitionStats is what the sender can say of a partition for
// librdkafka's statistics, read at one call.
type PartitionStats struct {
	Leader       int32 // the leader's node id, -1 when none
	QueuedMsgs   int   // records waiting in the queue (msgq_cnt), retries put back included
	QueuedBytes  int   // their encoded size (msgq_bytes)
	InflightMsgs int   // records in requests sent and not yet settled (msgs_inflight)
	FailedMsgs   int64 // records of batches that ended in failure, ever
	// NextAckSeq is the sequence of the oldest record not yet acknowledged
	// in the current producer id and epoch (next_ack_seq); 0 when not
	// idempotent.
	NextAckSeq int32
}

// Stats returns the partition's figures. It is safe for concurrent use:
// it takes the queue's lock (Queue.Counts) and then, not nested, the
// sequence state's, and reads atomics, so it may run on any goroutine; the
// figures are each exact but are not read at one instant.
func (p *Partition) Stats() PartitionStats {
	st := PartitionStats{Leader: -1, InflightMsgs: int(p.inflightMsgs.Load()), FailedMsgs: p.failedMsgs.Load()}
	if l := p.leader.Load(); l != nil {
		st.Leader = l.id
	}
	st.QueuedMsgs, st.QueuedBytes = p.Queue.Counts()
	p.seq.mu.Lock()
	st.NextAckSeq = p.seq.nextAck
	p.seq.mu.Unlock()
	return st
}

// NewPartition returns a partition with an empty queue and no leader, not
// known to any sender: for tests. The producer's partitions come from
// Sender.AddPartitions.
func NewPartition(topic string, id int32, cfg *accumulator.Config) *Partition {
	return &Partition{Topic: topic, ID: id, Queue: accumulator.NewQueue(cfg)}
}

// Leader returns the sink of the partition's leader, or nil.
func (p *Partition) Leader() *Sink { return p.leader.Load() }

// Append encodes r into the partition's queue (accumulator.Append) and
// wakes the leader's sink when the queue started or sealed a batch, once
// per batch rather than per record. now is the monotonic time. It returns
// what the append changed and how many bytes the queue grew by.
func Append[H accumulator.HeaderLike](p *Partition, r *accumulator.Record[H], now int64) (accumulator.AppendResult, int) {
	res, grown := accumulator.Append(p.Queue, r, now)
	if res != 0 && res&accumulator.Closed == 0 {
		p.Wake()
	}
	return res, grown
}

// QueuedBatches returns the number of batches waiting in the queue.
func (p *Partition) QueuedBatches() int { return p.Queue.Len() }

// Wake tells the partition's leader sink that the partition has work.
func (p *Partition) Wake() {
	if s := p.leader.Load(); s != nil {
		s.Wake()
	}
}

// Sender owns one Sink per broker, every partition's queue, and the state
// they share. It owns one housekeeping goroutine besides the sinks.
type Sender struct {
	cfg     Config
	results Results
	clock   accumulator.Clock
	queues  *accumulator.Config // shared by every partition queue; read-only

	flushing atomic.Int32 // > 0 while Flush waits: linger is ignored
	closing  atomic.Bool  // set by Close: failures complete with ErrDestroy instead of retrying

	// fatalReported is set once Results.Fatal has returned: from then on
	// queued batches are purged (housekeeping, requeue), never before, so
	// that the producer's fatal event comes before their reports.
	fatalReported atomic.Bool

	pid          pidState      // producer id state machine (idempotent producers)
	idemInflight atomic.Int64  // idempotent batches sent and not yet settled, all partitions
	ratio        atomic.Uint32 // the last batch's compressed size per 1024 bytes, to size the next output
	maxProduce   atomic.Int32  // the highest Produce version to send; 0 means broker.MaxProduceVersion

	parts atomic.Pointer[[]*Partition] // every partition AddPartitions made, copy-on-write under mu

	kick   chan struct{} // capacity 1: asks housekeeping to purge now (after a fatal error)
	stopHK chan struct{} // closed by Close: stops housekeeping
	hkDone chan struct{} // closed when housekeeping has returned

	// mu guards the following and the writes of parts.
	mu     sync.Mutex
	sinks  map[int32]*Sink
	closed bool
	wg     sync.WaitGroup // one per sink goroutine
}

// New returns a sender with no brokers and no partitions yet, and starts
// its housekeeping goroutine, which Close stops. queues bounds the batches
// of every partition queue AddPartitions creates.
func New(cfg Config, results Results, clock accumulator.Clock, queues *accumulator.Config) *Sender {
	s := &Sender{cfg: cfg, results: results, clock: clock, queues: queues, sinks: make(map[int32]*Sink),
		kick: make(chan struct{}, 1), stopHK: make(chan struct{}), hkDone: make(chan struct{})}
	s.parts.Store(new([]*Partition))
	go s.housekeeping()
	return s
}

// AddPartitions returns new partitions from to to-1 of topic, each with an
// empty queue and no leader. The sender keeps them until Close: it expires
// their batches and fails them when the producer stops, even after
// metadata drops them.
func (s *Sender) AddPartitions(topic string, from, to int32) []*Partition {
	added := make([]*Partition, 0, max(to-from, 0))
	for id := from; id < to; id++ {
		added = append(added, NewPartition(topic, id, s.queues))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.parts.Load()
	next := make([]*Partition, 0, len(old)+len(added))
	next = append(append(next, old...), added...)
	s.parts.Store(&next)
	return added
}

// SetBrokers starts a sink for each broker not seen before and updates the
// address of known ones. Sinks of brokers that left the cluster stay, idle
// with no partitions, so that a broker coming back keeps its sink.
func (s *Sender) SetBrokers(brokers map[int32]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	for id, addr := range brokers {
		if sk, ok := s.sinks[id]; ok {
			sk.setAddr(addr)
			continue
		}
		sk := newSink(s, id, addr)
		s.sinks[id] = sk
		s.wg.Add(1)
		go sk.loop()
	}
}

// Brokers returns the brokers the sender has sinks for, by node id, with
// their current addresses. It takes s.mu, then each Sink.mu, the order
// SetBrokers takes them in.
func (s *Sender) Brokers() map[int32]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int32]string, len(s.sinks))
	for id, sk := range s.sinks {
		sk.mu.Lock()
		out[id] = sk.addr
		sk.mu.Unlock()
	}
	return out
}

// Assign makes leader (-1 for none) the partition's leader, moving its queue
// to that broker's sink. Batches in flight to the old leader complete there.
func (s *Sender) Assign(p *Partition, leader int32) {
	s.mu.Lock()
	next := s.sinks[leader]
	s.mu.Unlock()
	prev := p.leader.Load()
	if prev == next {
		return
	}
	if prev != nil {
		prev.remove(p)
	}
	p.leader.Store(next)
	if s.cfg.Log.On(logx.Topic) {
		s.cfg.Log.Debugf(logx.Topic, "BRKMIGR", "%s [%d]: migrating from broker %d to %d", p.Topic, p.ID, sinkID(prev), sinkID(next))
	}
	if next != nil {
		next.add(p)
		next.Wake()
	}
}

// sinkID is a leader's node id for the logs; -1 for none.
func sinkID(sk *Sink) int32 {
	if sk == nil {
		return -1
	}
	return sk.id
}

// SetFlushing raises (+1) or lowers (-1) the flush count; while it is above
// zero, batches are sent without waiting for linger.ms.
func (s *Sender) SetFlushing(delta int32) {
	if s.flushing.Add(delta) > 0 {
		s.WakeAll()
	}
}

// WakeAll wakes every sink.
func (s *Sender) WakeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sk := range s.sinks {
		sk.Wake()
	}
}

// Redial lets every sink without a connection dial again at once, not
// after its reconnect backoff: new credentials or a new token may succeed
// where the last attempt failed (librdkafka wakes its brokers the same
// way).
func (s *Sender) Redial() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sk := range s.sinks {
		sk.redial.Store(true)
		sk.Wake()
	}
}

// Close stops housekeeping and every sink, and closes their connections.
// Requests in flight complete with errcode.Destroy through Results.Complete,
// then so does every batch still queued, before Close returns.
func (s *Sender) Close() {
	close(s.stopHK)
	<-s.hkDone
	s.closing.Store(true)
	s.mu.Lock()
	s.closed = true
	sinks := make([]*Sink, 0, len(s.sinks))
	for _, sk := range s.sinks {
		sinks = append(sinks, sk)
	}
	s.mu.Unlock()
	for _, sk := range sinks {
		close(sk.stop)
	}
	s.wg.Wait()
	// Close each queue as it is emptied: an Append racing this Close is
	// refused (accumulator.Closed) rather than left in a queue nothing
	// will ever fail.
	for _, p := range *s.parts.Load() {
		for _, b := range p.Queue.Close(nil) {
			s.complete(p, b, Outcome{Code: errcode.Destroy, Detail: "producer closed before the message was sent",
				BaseOffset: -1, LogAppendTime: -1, Status: statusOf(b)})
		}
	}
}

// PID returns the producer id and epoch (-1 and -1 before the first is
// assigned) and the state machine's state, for the statistics' eos object.
// It takes the pid state's lock, a leaf.
func (s *Sender) PID() (pid int64, epoch int16, state PIDState) {
	s.pid.mu.Lock()
	defer s.pid.mu.Unlock()
	if s.pid.gen == 0 {
		return -1, -1, s.pid.state
	}
	return s.pid.pid, s.pid.epoch, s.pid.state
}

// PurgeQueued fails every batch queued on every partition with
// errcode.PurgeQueue, as librdkafka's RD_KAFKA_PURGE_F_QUEUE does.
func (s *Sender) PurgeQueued() {
	s.failAllQueued(errcode.PurgeQueue, "purged from the queue")
}

// failAllQueued completes every batch queued on every partition with code.
func (s *Sender) failAllQueued(code errcode.Code, detail string) {
	for _, p := range *s.parts.Load() {
		s.FailQueued(p, code, detail)
	}
}

// expire completes with errcode.MsgTimedOut the batches queued on p whose
// first message has waited longer than the message timeout.
func (s *Sender) expire(p *Partition, now int64, scratch []*accumulator.Batch) []*accumulator.Batch {
	cutoff, ok := deadline.Cutoff(now, s.cfg.MessageTimeout)
	if !ok {
		return scratch
	}
	expired := p.Queue.TakeExpired(scratch[:0], cutoff)
	for _, b := range expired {
		s.leaveGap(p, b, errcode.MsgTimedOut, "message timed out in the queue")
		s.complete(p, b, Outcome{Code: errcode.MsgTimedOut, Status: statusOf(b), BaseOffset: -1, LogAppendTime: -1,
			Detail: "message timed out before it could be sent"})
	}
	clear(expired)
	return expired
}

// complete hands a batch's outcome to the producer and releases the batch.
func (s *Sender) complete(p *Partition, b *accumulator.Batch, o Outcome) {
	if o.Code != errcode.NoError {
		p.failedMsgs.Add(int64(b.Records())) // once per failed batch, for the statistics' msgs
	}
	s.results.Complete(p, b, o)
	accumulator.Release(b)
}

// FailQueued completes every batch queued on p with code: for a topic or
// partition that no longer exists, Close (errcode.Destroy) and purges. Batches
// keep the persistence status earlier
// attempts gave them.
func (s *Sender) FailQueued(p *Partition, code errcode.Code, detail string) {
	for _, b := range p.Queue.TakeAll(nil) {
		if !s.closing.Load() {
			s.leaveGap(p, b, code, detail)
		}
		s.complete(p, b, Outcome{Code: code, Detail: detail, BaseOffset: -1, LogAppendTime: -1, Status: statusOf(b)})
	}
}
