package producer

import (
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/sender"
)

// Complete is where the sender hands up a finished batch: it fills in each
// message's report and routes it (deliver). It is called once per batch,
// from a sink, connection or sender housekeeping goroutine, or from Close.
//
// It is exported only to satisfy sender.Results through an unexported
// adapter; see senderResults.
func (h senderResults) Complete(part *sender.Partition, b *accumulator.Batch, o sender.Outcome) {
	p := h.p
	var err error
	if o.Code != 0 {
		err = newError(errorCode(o.Code), "%s", o.Detail)
	}
	status := persistenceStatus(o.Status)
	sp := p.scratch(len(b.Refs))
	ms := *sp
	for i, ref := range b.Refs {
		m := ref.(*Message) // m.Partition is part.ID: enqueue set it
		m.Err = err
		m.Status = status
		m.Offset = -1
		if err == nil && o.BaseOffset >= 0 {
			m.Offset = o.BaseOffset + int64(i)
		}
		if o.LogAppendTime >= 0 && err == nil {
			m.Timestamp = time.UnixMilli(o.LogAppendTime)
			m.TimestampType = TimestampLogAppendTime
		}
		ms = append(ms, m)
	}
	if p.log.On(logx.Msg) {
		logReports(p.log, part, ms, err)
	}
	p.deliver(ms, err != nil)
	*sp = ms
	p.putScratch(sp)
}

// logReports logs a batch's delivery reports, one line per message, for
// the msg debug context.
func logReports(log *logx.Logger, part *sender.Partition, ms []*Message, err error) {
	if err != nil {
		log.Debugf(logx.Msg, "MSGSET", "%s [%d]: MessageSet with %d message(s) failed: %v", part.Topic, part.ID, len(ms), err)
	}
	for _, m := range ms {
		if err != nil {
			log.Debugf(logx.Msg, "DR", "%s [%d]: message of %d bytes not delivered: %v (%v)", part.Topic, part.ID, len(m.Value), err, m.Status)
			continue
		}
		log.Debugf(logx.Msg, "DR", "%s [%d]: message of %d bytes delivered at offset %d", part.Topic, part.ID, len(m.Value), m.Offset)
	}
}

// RefreshMetadata is where the sender asks for fresh metadata.
func (h senderResults) RefreshMetadata(reason string) { h.p.meta.trigger() }

// senderResults is the producer's side of sender.Results, the one way up
// from the sender: Complete (delivery reports), RefreshMetadata and Fatal.
// None of them calls into the sender.
type senderResults struct{ p *Producer }

// deliver hands out the reports of messages whose fate is known, in order:
// to each message's deliveryChan, or to Poll. Reports that the configuration
// suppresses (delivery.report.only.error, go.delivery.reports=false) are
// counted out at once.
func (p *Producer) deliver(ms []*Message, failed bool) {
	if len(ms) == 0 {
		return
	}
	if p.hooks.delivery != nil {
		p.deliveries(ms)
	}
	if failed && p.txn != nil {
		p.txn.messageFailed(len(ms)) // before the reports count out, so a commit's flush sees it
	}
	quiet := !p.cfg.goDeliveryReports || (!failed && p.cfg.deliveryReportOnlyError)
	n := len(ms)
	toPoll := ms[:0]             // filtered in place: it never overtakes the range below
	var chans chanPush           // taken at the first report for a deliveryChan
	var quietN, quietBytes int64 // suppressed reports, counted out together below
	for _, m := range ms {
		switch {
		case m.waiter != nil:
			if chans.r != nil {
				chans.end() // the reporter's lock stays a leaf: release it before the waiter's
				chans = chanPush{}
			}
			w := m.waiter
			m.waiter = nil
			size := int64(m.valueLen) // read before the hand-off: ProduceSync's caller owns m after it, and may produce it again
			if w.deliver() {
				p.acct.served(1, size) // received by ProduceSync
			} else {
				toPoll = append(toPoll, m) // ProduceSync gave up: Poll gets it
			}
		case quiet:
			m.drChan = nil
			quietN++
			quietBytes += int64(m.valueLen)
		case m.drChan != nil:
			if chans.r == nil {
				chans = p.chans.begin()
			}
			chans.add(m)
		default:
			toPoll = append(toPoll, m)
		}
	}
	if chans.r != nil {
		chans.end()
	}
	if quietN > 0 {
		p.acct.served(quietN, quietBytes)
	}
	p.reports.pushMessages(toPoll)
	p.completed(n)
}

// completed counts n messages as reported and wakes Flush when none remain.
func (p *Producer) completed(n int) {
	if p.acct.reported(n) {
		p.flushMu.Lock()
		close(p.flushed)
		p.flushed = make(chan struct{})
		p.flushMu.Unlock()
	}
}

// served counts a message out of the queue.buffering limits once its report
// has been handed to the application (or suppressed).
func (p *Producer) served(m *Message) { p.acct.served(1, int64(m.valueLen)) }

// scratch returns a pooled, empty slice with room for n messages. The
// pool holds the slice's pointer, so taking and returning it allocates
// nothing.
func (p *Producer) scratch(n int) *[]*Message {
	sp, _ := p.scratchPool.Get().(*[]*Message)
	if sp == nil {
		s := make([]*Message, 0, max(n, 64))
		sp = &s
	}
	*sp = (*sp)[:0]
	return sp
}

// putScratch returns a slice from scratch for reuse.
func (p *Producer) putScratch(sp *[]*Message) {
	clear(*sp)
	*sp = (*sp)[:0]
	p.scratchPool.Put(sp)
}
