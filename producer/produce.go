package producer

import (
	"bytes"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/sender"
	"github.com/kprod-go/kprod/internal/wire"
	"github.com/kprod-go/kprod/partitioner"
)

// Produce queues m for sending and returns at once. Its delivery report
// comes back exactly once: on deliveryChan when it is not nil, otherwise
// from Poll (unless delivery reports are turned off by configuration).
//
// Produce fails synchronously, without taking the message, when m is nil
// or has no topic (ErrInvalidArg), is larger than message.max.bytes
// (ErrMsgSizeTooLarge), names a partition the topic does not have
// (ErrUnknownPartition), when the producer already holds
// queue.buffering.max.messages messages or queue.buffering.max.kbytes of
// values (ErrQueueFull: Poll, then try again), when the topic is known not to
// exist (ErrUnknownTopic), after a fatal error (ErrFatal) and after Close
// (ErrDestroy).
//
// Produce may be called from any number of goroutines at once. From the
// call until its report, m belongs to the producer. The bytes m.Key,
// m.Value and the header values point to are copied before Produce
// returns, as librdkafka copies them (RD_KAFKA_MSG_F_COPY): the caller may
// reuse those buffers at once. (The report's Key and Value are m's own
// slices, or copies for a message that waited for its topic's metadata.)
func (p *Producer) Produce(m *Message, deliveryChan chan Event) error {
	return p.produce(m, deliveryChan, nil)
}

// produce is Produce with the report routed to deliveryChan, or to w for
// ProduceSync, or else to Poll.
func (p *Producer) produce(m *Message, deliveryChan chan Event, w *syncWaiter) error {
	if m == nil {
		return newError(ErrInvalidArg, "Produce: nil message")
	}
	if m.Topic == "" {
		return newError(ErrInvalidArg, "Produce: message has no topic")
	}
	if p.closed.Load() {
		return newError(ErrDestroy, "Produce to topic %q: producer is closed", m.Topic)
	}
	if f := p.fatalErr.Load(); f != nil {
		return wrapError(ErrFatal, *f, "Produce to topic %q: producer has raised a fatal error: %v", m.Topic, f.msg)
	}
	if p.txn != nil && !p.txn.mayProduce.Load() {
		return p.txn.produceErr(m.Topic)
	}
	if m.Partition < PartitionAny {
		return newError(ErrUnknownPartition, "Produce to topic %q: invalid partition %d", m.Topic, m.Partition)
	}
	size := wire.RecordOverhead + len(m.Key) + len(m.Value)
	for i := range m.Headers {
		size += len(m.Headers[i].Key) + len(m.Headers[i].Value)
	}
	if size > p.cfg.messageMaxBytes {
		return newError(ErrMsgSizeTooLarge, "Produce to topic %q: message of %d bytes is larger than message.max.bytes (%d)", m.Topic, size, p.cfg.messageMaxBytes)
	}
	t, err := p.topic(m.Topic)
	if err != nil {
		return err
	}
	ps := t.parts.Load()
	if g := t.gone.Load(); g != nil {
		return *g
	}
	if ps != nil && m.Partition >= int32(len(ps.list)) {
		return newError(ErrUnknownPartition, "Produce to topic %q: partition %d does not exist (the topic has %d)", m.Topic, m.Partition, len(ps.list))
	}
	if err := p.reserve(m); err != nil {
		return err
	}
	if p.txn != nil && !p.txn.mayProduce.Load() {
		// Checked again once the message counts as unreported: an abort or
		// a commit that began after the first check either sees it here,
		// or waits for it (and an abort purges it).
		p.unreserve(m)
		return p.txn.produceErr(m.Topic)
	}
	wallMs, now := p.now.now()
	if m.Timestamp.IsZero() {
		m.Timestamp = time.UnixMilli(wallMs)
	}
	m.TimestampType = TimestampCreateTime
	m.Offset, m.Err, m.Status = -1, nil, NotPersisted
	m.drChan = deliveryChan
	m.waiter = w
	m.enqueued = now

	if ps == nil {
		t.mu.Lock()
		if ps = t.parts.Load(); ps == nil {
			if t.err != nil || t.closed {
				err := newError(ErrDestroy, "Produce to topic %q: producer is closed", m.Topic)
				if t.err != nil {
					err = *t.err
				}
				t.mu.Unlock()
				p.unreserve(m)
				return err
			}
			// It waits for the topic's metadata: copy what it points to,
			// as the encoding into a batch would have (once per message,
			// and only until the first metadata answer).
			m.Key, m.Value = bytes.Clone(m.Key), bytes.Clone(m.Value)
			if len(m.Headers) > 0 {
				hs := make([]Header, len(m.Headers))
				for i, h := range m.Headers {
					hs[i] = Header{Key: h.Key, Value: bytes.Clone(h.Value)}
				}
				m.Headers = hs
			}
			t.unassigned = append(t.unassigned, m)
			t.mu.Unlock()
			return nil
		}
		t.mu.Unlock()
	}
	if err := p.enqueue(t, ps, m, now); err != nil {
		p.unreserve(m)
		return err
	}
	return nil
}

// reserve counts m against the queue.buffering limits, or fails with
// ErrQueueFull leaving the counts as they were.
func (p *Producer) reserve(m *Message) error {
	m.valueLen = int32(len(m.Value)) // message.max.bytes, checked before, is below 2^31
	r := p.acct.take(len(m.Value))
	if r != takeOK && p.log.On(logx.Queue) {
		p.log.Debugf(logx.Queue, "QUEUEFULL", "Produce to topic %s refused: queue full (%d message(s) held)", m.Topic, p.Len())
	}
	switch r {
	case takeFullMsgs:
		return newError(ErrQueueFull, "Produce to topic %q: queue full: %d messages held (queue.buffering.max.messages)", m.Topic, p.cfg.queueMaxMessages)
	case takeFullBytes:
		return newError(ErrQueueFull, "Produce to topic %q: queue full: %d KiB of values held or more with this one (queue.buffering.max.kbytes)", m.Topic, p.cfg.queueMaxKBytes)
	}
	return nil
}

// unreserve undoes reserve for a message that was refused after all.
func (p *Producer) unreserve(m *Message) {
	m.drChan, m.waiter = nil, nil
	p.served(m)
	p.completed(1)
}

// enqueue partitions m and appends it to its partition's queue. now is the
// Produce call's one monotonic clock reading, which serves the partitioner's
// sticky timing and the batch's linger deadline too.
func (p *Producer) enqueue(t *topic, ps *partitions, m *Message, now int64) error {
	n := int32(len(ps.list))
	part := m.Partition
	if part == PartitionAny {
		if t.timed != nil {
			part = t.timed.PartitionAt(m.Key, n, ps, time.Duration(now))
		} else {
			part = t.part.Partition(m.Key, n, ps)
		}
		if part < 0 || part >= n { // only a custom partitioner can do this
			return newError(ErrUnknownPartition, "Produce to topic %q: the partitioner chose partition %d of %d", t.name, part, n)
		}
	} else if part >= n {
		return newError(ErrUnknownPartition, "Produce to topic %q: partition %d does not exist (the topic has %d)", t.name, part, n)
	}
	m.Partition = part
	sp := ps.list[part]
	rec := accumulator.Record[Header]{
		Timestamp: m.Timestamp.UnixMilli(),
		Key:       m.Key,
		Value:     m.Value,
		Headers:   m.Headers,
		Ref:       m,
	}
	res, grown := sender.Append(sp, &rec, now)
	if res&accumulator.Closed != 0 {
		return newError(ErrDestroy, "Produce to topic %q: producer is closed", t.name)
	}
	if t.observer != nil {
		t.observer.OnAppend(m.Key, part, grown, res&accumulator.Sealed != 0)
	}
	return nil
}

// newPartitioner builds the configured partitioner for one topic.
func (p *Producer) newPartitioner() (partitioner.Partitioner, error) {
	part, err := partitioner.New(partitioner.Config{
		Name:         p.cfg.partitioner,
		StickyLinger: p.cfg.stickyLinger,
		BatchSize:    p.cfg.batchSize,
		Adaptive:     p.cfg.partitionerAdaptive,
		IgnoreKeys:   p.cfg.partitionerIgnoreKeys,
		Custom:       p.opts.partitioner,
	})
	if err != nil {
		return nil, wrapError(ErrInvalidArg, err, "%v", err)
	}
	return part, nil
}
