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
	"github.com/kprod-go/kprod/internal/route"
)

// Config is the part of the producer's configuration the sender applies.
type Config struct {
	Acks                int16
	RequestTimeout      time.Duration // request.timeout.ms, the Produce request's Timeout field
	MaxInFlight         int           // max.in.flight.requests.per.connection
	MaxRequestBytes     int           // message.max.bytes
	Retries             int
	RetryBackoff        time.Duration
	RetryBackoffMax     time.Duration
	MessageTimeout      time.Duration // 0 means no timeout
	ReconnectBackoff    time.Duration
	ReconnectBackoffMax time.Duration
	Codec               compress.Codec // nil means no compression
	Broker              broker.Config
	Idempotent          bool // enable.idempotence: producer id, epoch and sequences
	Gapless             bool // enable.gapless.guarantee: a gap is fatal instead of repaired by an epoch bump
	// PipelinePartitions lets an idempotent partition have up to
	// MaxInFlight batches in flight once the broker has shown it holds the
	// producer's state (WithPartitionPipelining); otherwise one.
	PipelinePartitions bool

	// Router sends the control requests (InitProducerId) on connections
	// apart from the produce connections. Broker.Observer, when set, also
	// hears of every batch written.
	Router *route.Router
}

// Hooks is how the sender reports to the producer. Methods are called from
// sink and connection goroutines and must not block.
type Hooks interface {
	// Complete is called exactly once per batch when its fate is known.
	// The batch is released to the pool when Complete returns.
	Complete(p *Partition, b *accumulator.Batch, o Outcome)
	// RefreshMetadata asks for a metadata refresh soon; reason is for logs.
	RefreshMetadata(reason string)
	// Fatal reports a fatal idempotence error, once. The sender sends
	// nothing more; requests in flight still complete.
	Fatal(code int32, detail string)
}

// Partition is one topic partition's queue and its current leader.
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
}

// NewPartition returns a partition with an empty queue and no leader.
func NewPartition(topic string, id int32, cfg *accumulator.Config) *Partition {
	return &Partition{Topic: topic, ID: id, Queue: accumulator.NewQueue(cfg)}
}

// Leader returns the sink of the partition's leader, or nil.
func (p *Partition) Leader() *Sink { return p.leader.Load() }

// Wake tells the partition's leader sink that the partition has work.
func (p *Partition) Wake() {
	if s := p.leader.Load(); s != nil {
		s.Wake()
	}
}

// Sender owns one Sink per broker and the state they share.
type Sender struct {
	cfg   Config
	hooks Hooks
	clock accumulator.Clock

	flushing atomic.Int32 // > 0 while Flush waits: linger is ignored
	closing  atomic.Bool  // set by Close: failures complete with ErrDestroy instead of retrying

	pid          pidState      // producer id state machine (idempotent producers)
	idemInflight atomic.Int64  // idempotent batches sent and not yet settled, all partitions
	ratio        atomic.Uint32 // the last batch's compressed size per 1024 bytes, to size the next output

	// mu guards the following.
	mu     sync.Mutex
	sinks  map[int32]*Sink
	closed bool
	wg     sync.WaitGroup // one per sink goroutine
}

// New returns a sender with no brokers yet.
func New(cfg Config, hooks Hooks, clock accumulator.Clock) *Sender {
	return &Sender{cfg: cfg, hooks: hooks, clock: clock, sinks: make(map[int32]*Sink)}
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
	if next != nil {
		next.add(p)
		next.Wake()
	}
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

// Close stops every sink and closes its connection. Requests in flight
// complete with ErrDestroy through Hooks.Complete before Close returns;
// batches still queued are left in their queues for the caller to fail.
func (s *Sender) Close() {
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
}

// Expire completes with ErrMsgTimedOut the batches queued on p whose first
// message has waited longer than the message timeout.
func (s *Sender) Expire(p *Partition, now int64, scratch []*accumulator.Batch) []*accumulator.Batch {
	if s.cfg.MessageTimeout <= 0 {
		return scratch
	}
	expired := p.Queue.TakeExpired(scratch[:0], now-int64(s.cfg.MessageTimeout))
	for _, b := range expired {
		s.leaveGap(p, b, CodeMsgTimedOut, "message timed out in the queue")
		s.complete(p, b, Outcome{Code: CodeMsgTimedOut, Status: Status(b.Status), BaseOffset: -1, LogAppendTime: -1,
			Detail: "message timed out before it could be sent"})
	}
	clear(expired)
	return expired
}

// complete hands a batch's outcome to the producer and releases the batch.
func (s *Sender) complete(p *Partition, b *accumulator.Batch, o Outcome) {
	s.hooks.Complete(p, b, o)
	accumulator.Release(b)
}

// FailQueued completes every batch queued on p with code: for Close
// (ErrDestroy) and purges. Batches keep the persistence status earlier
// attempts gave them.
func (s *Sender) FailQueued(p *Partition, code int32, detail string) {
	for _, b := range p.Queue.TakeAll(nil) {
		if !s.closing.Load() {
			s.leaveGap(p, b, code, detail)
		}
		s.complete(p, b, Outcome{Code: code, Detail: detail, BaseOffset: -1, LogAppendTime: -1, Status: Status(b.Status)})
	}
}
