package producer

import (
	"sync"
	"sync/atomic"

	"github.com/kprod-go/kprod/internal/deadline"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/sender"
	"github.com/kprod-go/kprod/partitioner"
)

// topic is what the producer knows of one topic: its partitions once
// metadata has told us, and the messages produced before that.
type topic struct {
	name string
	part partitioner.Partitioner
	// observer is part when it wants to hear of appends (uniform_sticky).
	observer partitioner.AppendObserver
	// timed is part when it can use Produce's clock reading (sticky).
	timed partitioner.Timed
	born  int64 // monotonic time the producer first saw the topic

	// parts is nil until metadata has described the topic. It is stored
	// under mu, after the unpartitioned messages have moved to their
	// partitions, so that a Produce that sees it comes after them.
	parts atomic.Pointer[partitions]
	// gone is set while the metadata says the topic, known before, no
	// longer exists (librdkafka's NOTEXISTS state): Produce fails with it.
	gone atomic.Pointer[Error]
	// absent is set once a metadata response has said the topic does not
	// exist: only then do its waiting messages fail with ErrUnknownTopic
	// after topic.metadata.propagation.max.ms. With no answer at all (no
	// broker reachable), they wait and time out with ErrMsgTimedOut.
	absent atomic.Bool
	// metaAt is the monotonic time metadata last described the topic,
	// 0 before: the statistics' metadata_age.
	metaAt atomic.Int64

	// mu guards the following.
	mu         sync.Mutex
	unassigned []*Message // produced before the topic's metadata was known (librdkafka's UA queue)
	closed     bool       // the producer closed: nothing joins unassigned any more
	err        *Error     // set when the topic cannot be produced to (unknown, unauthorized)
}

// partitions is a topic's partition list as of the latest metadata. It also
// tells the partitioner which partitions have a leader.
type partitions struct {
	list []*sender.Partition
}

// Available reports whether partition i has a known leader.
func (ps *partitions) Available(i int32) bool { return ps.list[i].Leader() != nil }

// QueuedBatches returns the number of batches queued on partition i.
func (ps *partitions) QueuedBatches(i int32) int { return ps.list[i].QueuedBatches() }

// topic returns the producer's state for name, creating it (and asking for
// its metadata) on first use.
func (p *Producer) topic(name string) (*topic, error) {
	if t := p.lastTopic.Load(); t != nil && t.name == name {
		return t, nil // most producers write one topic: no map lookup
	}
	if t := (*p.topics.Load())[name]; t != nil {
		p.lastTopic.Store(t)
		return t, nil
	}
	p.topicsMu.Lock()
	defer p.topicsMu.Unlock()
	if p.topicsClosed {
		return nil, newError(ErrDestroy, "Produce to topic %q: producer is closed", name)
	}
	old := *p.topics.Load()
	if t := old[name]; t != nil {
		return t, nil
	}
	part, err := p.newPartitioner()
	if err != nil {
		return nil, err
	}
	t := &topic{name: name, part: part, born: p.clock.Now()}
	t.observer, _ = part.(partitioner.AppendObserver)
	t.timed, _ = part.(partitioner.Timed)
	next := make(map[string]*topic, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[name] = t
	p.topics.Store(&next)
	p.log.Debugf(logx.Topic, "TOPIC", "New local topic: %s", name)
	p.meta.trigger()
	return t, nil
}

// setPartitions installs a new partition list. On the first one, the
// messages produced while the topic was unknown are partitioned and queued
// before any later Produce can reach a queue.
func (t *topic) setPartitions(p *Producer, ps *partitions) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.err = nil
	if t.parts.Load() == nil && len(t.unassigned) > 0 {
		now := p.clock.Now()
		for _, m := range t.unassigned {
			if err := p.enqueue(t, ps, m, now); err != nil {
				p.failMessage(m, err)
			}
		}
		clear(t.unassigned)
		t.unassigned = t.unassigned[:0]
	}
	t.parts.Store(ps)
}

// setError marks the topic as not producible: its waiting messages fail
// with err, and so does every Produce until metadata shows it again.
func (t *topic) setError(p *Producer, err Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.err = &err
	for _, m := range t.unassigned {
		p.failMessage(m, err)
	}
	clear(t.unassigned)
	t.unassigned = t.unassigned[:0]
}

// expire fails the topic's unpartitioned messages whose message.timeout.ms
// has passed, and all of them once topic.metadata.propagation.max.ms has
// passed since the producer first saw the topic and the metadata said it
// does not exist, as librdkafka does. (Queued batches are the sender's to
// expire.)
func (t *topic) expire(p *Producer, now int64) {
	unknown := t.absent.Load() && now-t.born > int64(p.cfg.metadataPropagationMax)
	t.mu.Lock()
	defer t.mu.Unlock()
	if unknown && t.parts.Load() == nil && t.err == nil {
		err := newError(ErrUnknownTopic, "topic %q not found in the cluster's metadata after %v (topic.metadata.propagation.max.ms)", t.name, p.cfg.metadataPropagationMax)
		t.err = &err
		for _, m := range t.unassigned {
			p.failMessage(m, err)
		}
		clear(t.unassigned)
		t.unassigned = t.unassigned[:0]
		return
	}
	if len(t.unassigned) == 0 {
		return
	}
	// unassigned is in Produce order, so its times only grow, but for the
	// skew of Produce calls racing for mu (each reads the clock before
	// taking it, and may be paused between the two): the scan stops at
	// the first message not yet expired, and a message that raced past an
	// older one expires late by that skew, rounded up to a tick. Scanning
	// every message each tick cost a whole core with 100,000 messages
	// waiting for an unreachable cluster.
	n := 0
	for ; n < len(t.unassigned); n++ {
		m := t.unassigned[n]
		if !deadline.Expired(m.enqueued, now, p.cfg.snd.MessageTimeout) {
			break
		}
		p.failMessage(m, newError(ErrMsgTimedOut, "message to topic %q timed out waiting for the topic's metadata", t.name))
	}
	if n > 0 {
		k := copy(t.unassigned, t.unassigned[n:])
		clear(t.unassigned[k:])
		t.unassigned = t.unassigned[:k]
	}
}

// close fails the messages waiting for the topic's metadata with
// ErrDestroy and refuses any later one, for Close: a Produce racing Close
// either joined unassigned before (and is failed here) or is refused.
func (t *topic) close(p *Producer) {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.failUnassigned(p, ErrDestroy, "producer closed before the message was sent")
}

// failUnassigned fails every message waiting for the topic's metadata with
// code: for Close, purges and fatal errors. (Queued batches are the
// sender's to fail.)
func (t *topic) failUnassigned(p *Producer, code ErrorCode, detail string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := newError(code, "%s", detail)
	for _, m := range t.unassigned {
		p.failMessage(m, err)
	}
	clear(t.unassigned)
	t.unassigned = t.unassigned[:0]
}

// failMessage reports one message that never reached a batch.
func (p *Producer) failMessage(m *Message, err error) {
	m.Err = err
	m.Offset = -1
	m.Status = NotPersisted
	p.deliver([]*Message{m}, true)
}
