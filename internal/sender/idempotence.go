package sender

import (
	"errors"
	"fmt"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/route"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// requestPID asks any broker for a producer id (InitProducerId), through
// the router and on its connections, without waiting: any broker can
// answer for a producer without a transactional id. The answer moves the
// state machine on and wakes every sink.
func (s *Sender) requestPID() {
	req := kmsg.NewPtrInitProducerIDRequest()
	req.Version = broker.MaxInitProducerIDVersion // the router lowers it to what the broker supports
	req.TransactionTimeoutMillis = -1
	req.ProducerID = -1
	req.ProducerEpoch = -1
	s.cfg.Log.Debugf(logx.EOS, "IDEMPSTATE", "Idempotent producer state change to %s: acquiring a producer id", StateRequestPID)
	s.cfg.Router.AnyAsync(req, func(kresp kmsg.Response, err error) {
		if s.closing.Load() {
			return // an answer after Sender.Close: nothing waits for it, and no fatal error is raised while closing
		}
		defer s.WakeAll()
		now := s.clock.Now()
		if errors.Is(err, route.ErrUnsupported) {
			s.raiseFatal(errcode.UnsupportedFeature, fmt.Sprintf("%v: idempotence needs Kafka 0.11 or later", err))
			return
		}
		if err != nil {
			s.cfg.Log.Debugf(logx.EOS, "GETPID", "Failed to acquire a producer id: %v", err)
			s.pid.requestFailed(now)
			return
		}
		resp := kresp.(*kmsg.InitProducerIDResponse)
		switch code := errcode.Code(resp.ErrorCode); code {
		case errcode.NoError:
			s.pid.assigned(resp.ProducerID, resp.ProducerEpoch)
			s.cfg.Log.Debugf(logx.EOS, "IDEMPSTATE", "Idempotent producer state change %s -> %s: ProducerId %d, epoch %d",
				StateRequestPID, StateAssigned, resp.ProducerID, resp.ProducerEpoch)
		case errcode.ClusterAuthorizationFailed, errcode.InvalidTransactionTimeout, errcode.TransactionalIDAuthorizationFailed:
			s.raiseFatal(code, fmt.Sprintf("InitProducerId refused: error %d", resp.ErrorCode))
		case errcode.InvalidProducerEpoch, errcode.ProducerFenced:
			s.raiseFatal(errcode.Fenced, fmt.Sprintf("producer fenced: InitProducerId error %d", resp.ErrorCode))
		default: // coordinator loading or moving, and the like: ask again
			s.cfg.Log.Debugf(logx.EOS, "GETPID", "Failed to acquire a producer id: InitProducerId error %d", resp.ErrorCode)
			s.pid.requestFailed(now)
		}
	})
}

// ensurePID reports whether batches may be sent now. When the producer has
// no id, the first sink with a connection asks for one; the others wait to
// be woken. It returns the time to look again when waiting for a retry.
func (sk *Sink) ensurePID(now int64) (bool, int64) {
	if _, _, _, ok := sk.s.pid.current(); ok {
		return true, -1
	}
	if sk.s.transactional() {
		return false, -1 // the transaction manager asks for the id, and wakes every sink with it
	}
	if sk.s.pid.startRequest(now) {
		sk.s.requestPID()
		return false, -1
	}
	sk.s.pid.mu.Lock()
	defer sk.s.pid.mu.Unlock()
	if sk.s.pid.state == StateInit {
		return false, sk.s.pid.retryAt
	}
	return false, -1
}

// bump starts a drain-and-bump (KIP-360): nothing new is sent until every
// idempotent request in flight has settled, then the epoch goes up by one
// and every partition's sequences restart at 0, so the broker accepts the
// batches that follow a gap.
//
// A transactional producer cannot bump its epoch alone: the transaction
// must be aborted first, and the manager bumps the epoch with the
// coordinator (Txn.Abortable).
func (s *Sender) bump(why string) {
	if s.transactional() {
		s.cfg.Txn.Abortable(errcode.OutOfOrderSequenceNumber, why, true)
		return
	}
	started := s.pid.beginBump(why)
	if started {
		s.cfg.Log.Debugf(logx.EOS, "IDEMPSTATE", "Idempotent producer state change to %s: bumping the epoch (%s)", StateDrainBump, why)
	}
	if started && s.idemInflight.Load() == 0 {
		s.finishBump()
	}
}

// finishBump completes a drain-and-bump once nothing is in flight.
func (s *Sender) finishBump() {
	if s.idemInflight.Load() != 0 {
		return
	}
	s.pid.mu.Lock()
	draining := s.pid.state == StateDrainBump
	s.pid.mu.Unlock()
	if draining {
		if s.pid.finishBump() {
			pid, epoch, _, _ := s.pid.current()
			s.cfg.Log.Debugf(logx.EOS, "IDEMPSTATE", "Idempotent producer state change %s -> %s: ProducerId %d, epoch bumped to %d; every partition's sequence restarts at 0",
				StateDrainBump, StateAssigned, pid, epoch)
		} else {
			s.cfg.Log.Debugf(logx.EOS, "IDEMPSTATE", "Idempotent producer state change %s -> %s: the epoch is at its maximum, acquiring a new producer id", StateDrainBump, StateInit)
		}
		s.WakeAll()
	}
}

// leaveGap is called for a batch that will never reach the log. If it
// carried a sequence, the sequences of later batches no longer follow on:
// repair that with an epoch bump, or, under enable.gapless.guarantee, stop
// with a fatal error. Message timeouts are repaired even then, as in
// librdkafka.
func (s *Sender) leaveGap(p *Partition, b *accumulator.Batch, code errcode.Code, detail string) {
	if !s.cfg.Idempotent || !p.hasSequence(b) {
		return
	}
	if s.transactional() { // the abort bumps the epoch; the reason is the batch's own
		s.cfg.Txn.Abortable(code, fmt.Sprintf("ProduceRequest for %s [%d] with %d message(s) failed: %s: current transaction must be aborted",
			p.Topic, p.ID, b.Records(), detail), true)
		return
	}
	if s.cfg.Gapless && code != errcode.MsgTimedOut {
		s.raiseFatal(errcode.GaplessGuarantee, "enable.gapless.guarantee: a batch failed and left a gap in the sequence: "+detail)
		return
	}
	s.bump(fmt.Sprintf("gap left by failed batch of %s [%d]", p.Topic, p.ID))
}

// fatal fails a batch with code and raises the fatal error.
func (s *Sender) fatal(t *inflight, code errcode.Code, detail string) {
	s.raiseFatal(code, detail)
	s.fail(t, code, detail, errcode.PossiblyPersisted)
}

// raiseFatal moves the idempotent producer to its fatal state and tells the
// producer, once; later fatal errors are ignored, as librdkafka keeps the
// first. It completes no batch itself: housekeeping purges the queues
// (kicked here), so no caller, whatever it holds, finds batches completed
// under it. Nothing is purged before the producer has heard of the error
// (fatalReported), so its event comes before the purged batches' reports.
func (s *Sender) raiseFatal(code errcode.Code, detail string) {
	if s.pid.setFatal(fmt.Errorf("%s", detail)) {
		s.results.Fatal(code, detail)
		s.fatalReported.Store(true)
		select {
		case s.kick <- struct{}{}:
		default:
		}
		s.WakeAll()
	}
}
