package sender

import (
	"errors"
	"fmt"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/deadline"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// handle settles every batch of r from its response, or from the error that
// ended the connection first. It runs on the connection's reader goroutine
// (or the goroutine that closed it) and ends by waking the sink, whose
// in-flight slot is now free.
func (s *Sender) handle(r *request, resp kmsg.Response, err error) {
	defer r.sink.Wake()
	if !r.settled.CompareAndSwap(false, true) {
		return // purged while in flight: the answer is ignored, as in librdkafka
	}
	r.sink.untrack(r)
	now := s.clock.Now()
	if errors.Is(err, broker.ErrNotSent) { // held back and never written: as Send refusing it
		s.retryUnsent(r, now, err)
		return
	}
	if err != nil {
		code := errcode.Transport
		if errors.Is(err, broker.ErrTimeout) {
			code = errcode.TimedOut
		}
		a := code.Produce()
		for i := range r.batches {
			s.retry(&r.batches[i], now, code, err.Error(), a.Counted, a.Status, a.Refresh)
		}
		return
	}
	if resp == nil { // acks=0: written is all we will ever know
		for i := range r.batches {
			s.succeed(&r.batches[i], -1, -1, errcode.PossiblyPersisted)
		}
		return
	}
	pr := resp.(*kmsg.ProduceResponse)
	for ti := range pr.Topics {
		rt := &pr.Topics[ti]
		for pi := range rt.Partitions {
			rp := &rt.Partitions[pi]
			t := r.find(rt.Topic, rp.Partition)
			if t == nil {
				continue // a partition we did not send: ignore it rather than misreport
			}
			s.settle(t, now, rp)
		}
	}
	// A response that does not answer every partition sent does not fit its
	// request: the stream can no longer be trusted. Reconnect, and retry what
	// it left out as after a lost connection (__TRANSPORT: it may have been
	// written). librdkafka fails such batches with __BAD_MSG; a retry is what
	// the broker's answer leaves room for.
	var lost error
	for i := range r.batches {
		if t := &r.batches[i]; !t.answered {
			detail := fmt.Sprintf("broker %d's Produce response left out %s [%d]; reconnecting", r.sink.id, t.p.Topic, t.p.ID)
			if lost == nil {
				lost = fmt.Errorf("%w: %s", broker.ErrProtocol, detail)
			}
			s.retry(t, now, errcode.Transport, detail, true, errcode.PossiblyPersisted, false)
		}
	}
	if lost != nil && r.conn != nil {
		r.conn.Abort(lost) // on the reader goroutine: Close would wait for itself
	}
}

// find returns the unsettled batch of r for topic and partition, or nil.
func (r *request) find(topic string, partition int32) *inflight {
	for i := range r.batches {
		t := &r.batches[i]
		if !t.answered && t.p.ID == partition && t.p.Topic == topic {
			return t
		}
	}
	return nil
}

// settle applies one partition's answer to its batch.
func (s *Sender) settle(t *inflight, now int64, rp *kmsg.ProduceResponseTopicPartition) {
	code := errcode.Code(rp.ErrorCode)
	if code == errcode.NoError {
		s.ack(t, rp.BaseOffset, rp.LogAppendTime)
		return
	}
	detail := describe(rp.ErrorCode, t.p, rp.ErrorMessage)
	if s.cfg.Idempotent && s.settleIdempotent(t, now, code, detail) {
		return
	}
	a := code.Produce()
	if a.Retry {
		s.retry(t, now, code, detail, a.Counted, a.Status, a.Refresh)
		return
	}
	s.fail(t, code, detail, a.Status)
}

// settleIdempotent handles the errors whose meaning depends on the
// producer's sequences (librdkafka's rd_kafka_handle_idempotent_Produce_error)
// and reports whether it did.
func (s *Sender) settleIdempotent(t *inflight, now int64, code errcode.Code, detail string) bool {
	if s.transactional() {
		switch code {
		case errcode.InvalidProducerEpoch, errcode.ProducerFenced: // another instance took the transactional id
			s.raiseFatal(errcode.Fenced, detail+": the producer was fenced by a newer instance with the same transactional.id")
			s.fail(t, code, detail, errcode.NotPersisted)
			return true
		case errcode.ConcurrentTransactions: // KIP-890: the previous transaction's markers are still being written
			s.retry(t, now, code, detail, true, errcode.NotPersisted, false)
			return true
		case errcode.UnknownProducerID, errcode.InvalidProducerIDMapping: // the broker lost the producer's state
			s.fail(t, code, detail, errcode.NotPersisted)
			s.cfg.Txn.Abortable(code, detail, true)
			return true
		}
	}
	b := t.b
	pos, resends, current := t.p.position(b)
	draining := s.pid.State() == StateDrainBump
	// Behind an earlier batch the broker has not acknowledged, or in a
	// generation being replaced, a refusal is expected: the broker refuses
	// whatever follows a hole. The batch is sent again, in order, behind
	// the earlier one.
	behind := !current || draining || pos > 0
	switch code {
	case errcode.DuplicateSequenceNumber: // the broker already has it: a success whose offset is lost
		s.ack(t, -1, -1)
	case errcode.OutOfOrderSequenceNumber:
		switch {
		case behind:
			s.retry(t, now, code, detail, false, errcode.NotPersisted, false)
			if current && !draining && resends == 0 { // the earlier batch failed for good: repair the gap with a new epoch
				s.bump("sequence gap before " + detail)
			}
		case pos == 0: // the broker lacks sequences it acknowledged: nothing safe remains
			s.fatal(t, code, detail+": the broker no longer has the batches before this one, which it acknowledged")
		default:
			// Behind the acknowledged sequence. A batch the broker wrote
			// is answered as a duplicate: with at most five in flight and
			// a resend sent alone, no more than four batches after it can
			// be acknowledged before it is sent again, and the broker
			// remembers the last five. So this one is not in the log, and
			// later ones are: the broker accepted them without checking
			// they followed on. librdkafka treats this as fatal too; it is
			// never counted as delivered.
			s.fatal(t, code, detail+": the broker holds later batches of this producer but not this one")
		}
	case errcode.UnknownProducerID:
		switch {
		case behind:
			s.retry(t, now, code, detail, false, errcode.NotPersisted, false)
		case pos == 0 && b.Retries == 0: // the broker expired our state (KIP-360): bump and resend
			s.retry(t, now, code, detail, false, errcode.NotPersisted, false)
			s.bump("broker no longer knows the producer id: " + detail)
		default:
			s.fatal(t, code, detail)
		}
	default:
		return false
	}
	return true
}

// ack completes a batch the broker has written at baseOffset (-1 when
// unknown), as this attempt's acknowledgement or as a duplicate of an
// earlier attempt. For an idempotent producer, a batch written out of
// sequence order (Partition.written) shows that the broker did not check
// its sequence: as librdkafka does (_INCONSISTENT), that is fatal. The
// error is raised first, so that nothing more is sent; the batch is then
// reported delivered, which it is, and a refused batch it overtook fails
// with the queue's purge.
func (s *Sender) ack(t *inflight, baseOffset, logAppendTime int64) {
	if s.cfg.Idempotent {
		if why := t.p.written(t.b, baseOffset, s.clock.Now()); why != "" {
			s.raiseFatal(errcode.Inconsistent, fmt.Sprintf("%s [%d]: %s: it is not checking this producer's sequences, and the log has them out of order",
				t.p.Topic, t.p.ID, why))
		}
	}
	s.succeed(t, baseOffset, logAppendTime, errcode.Persisted)
}

// describe names a broker error and the partition it hit.
func describe(code int16, p *Partition, msg *string) string {
	name := "an error code unknown to Kafka"
	var ke *kerr.Error
	if errors.As(kerr.ErrorForCode(code), &ke) && ke.Code == code { // unknown codes map to UNKNOWN_SERVER_ERROR
		name = ke.Message
	}
	d := fmt.Sprintf("broker returned %s (%d) for %s [%d]", name, code, p.Topic, p.ID)
	if msg != nil && *msg != "" {
		d += ": " + *msg
	}
	return d
}

// succeed completes a batch that reached the log.
func (s *Sender) succeed(t *inflight, baseOffset, logAppendTime int64, status errcode.Status) {
	t.answered = true
	if obs := s.cfg.Broker.Observer; obs != nil {
		s.batchWritten(obs, t)
	}
	s.landed(t)
	s.completeInflight(t, Outcome{BaseOffset: baseOffset, LogAppendTime: logAppendTime, Status: status})
}

// retry puts a batch back in its queue for another attempt, or fails it when
// the producer is closing, the retry budget is spent or the message timeout
// has passed. counted says whether this attempt uses up a retry; refresh
// asks for new metadata first (the leader may have moved).
func (s *Sender) retry(t *inflight, now int64, code errcode.Code, detail string, counted bool, status errcode.Status, refresh bool) {
	t.answered = true
	b := t.b
	setStatus(b, max(t.prevStatus, status)) // what this attempt says, unless an earlier one may have landed
	if s.closing.Load() {
		s.fail(t, errcode.Destroy, "producer closed while the batch was in flight", statusOf(b))
		return
	}
	if counted {
		b.Retries++
		if b.Retries > s.cfg.Retries {
			s.fail(t, code, detail+fmt.Sprintf(" (no retries left after %d)", s.cfg.Retries), statusOf(b))
			return
		}
	}
	if deadline.Expired(b.FirstAppend, now, s.cfg.MessageTimeout) {
		s.fail(t, errcode.MsgTimedOut, "message timed out; last attempt: "+detail, statusOf(b))
		return
	}
	if s.cfg.Idempotent {
		t.p.putBack(b, status) // before it is back in its queue, where the sink may see it
	}
	if refresh {
		s.results.RefreshMetadata(detail)
	}
	b.NotBefore = now + int64(backoff(s.cfg.RetryBackoff, s.cfg.RetryBackoffMax, b.Retries))
	if !t.r.later(deferred{requeue: t}) {
		s.requeue(t)
	}
}

// requeue puts an attempt's batch back in its queue for its retry. After a
// fatal error nothing sends it, and the purge that came with the error may
// have run before it was back: once the error is reported, the queue is
// purged again. (Before that, housekeeping's purge, kicked after the
// report, finds it.)
func (s *Sender) requeue(t *inflight) {
	t.p.Queue.Requeue(t.b) // back in place before the partition may send again
	s.landed(t)
	if s.fatalReported.Load() {
		s.FailQueued(t.p, errcode.PurgeQueue, "purged after a fatal error")
		return
	}
	if s.transactional() && s.cfg.Txn.Aborting() {
		s.FailQueued(t.p, errcode.PurgeQueue, "purged: the transaction is being aborted")
		return
	}
	t.p.Wake()
}

// fail completes a batch with an error. For an idempotent producer, a
// failed batch that carried a sequence leaves a gap that must be repaired.
func (s *Sender) fail(t *inflight, code errcode.Code, detail string, status errcode.Status) {
	t.answered = true
	status = max(status, t.prevStatus) // an earlier attempt may have landed
	setStatus(t.b, status)
	if !s.closing.Load() {
		s.leaveGap(t.p, t.b, code, detail)
	}
	s.landed(t)
	s.completeInflight(t, Outcome{Code: code, Detail: detail, BaseOffset: -1, LogAppendTime: -1, Status: status})
}

// landed ends an in-flight attempt's bookkeeping, once per attempt. When
// the last idempotent batch in flight lands during a drain, the epoch bump
// completes.
func (s *Sender) landed(t *inflight) {
	if t.done {
		return
	}
	t.done = true
	t.p.inflightMsgs.Add(-t.records)
	if !s.cfg.Idempotent {
		if t.p.inflight.Add(-1) == 0 && s.cfg.MaxInFlight == 1 {
			t.p.Wake() // its leader may be another broker by now
		}
		return
	}
	if idle := t.p.settled(); idle {
		if l := t.p.Leader(); l != nil && l != t.r.sink {
			l.Wake() // the partition moved while this was in flight: its new leader waits for it to land
		}
	}
	s.releaseInflight()
}

// releaseInflight takes one off the idempotent in-flight count and, when it
// reaches zero, completes a drain-and-bump waiting for that.
func (s *Sender) releaseInflight() {
	if s.idemInflight.Add(-1) == 0 {
		s.finishBump()
	}
}
