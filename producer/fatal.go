package producer

import (
	"fmt"

	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/logx"
)

// Fatal is where the sender reports a fatal idempotence error. As
// librdkafka does, it keeps the error (FatalError returns it with its
// original code), raises an Error event with code ErrFatal for Poll, and
// fails the messages waiting for metadata with ErrPurgeQueue. Only once it
// has returned does the sender fail its queued batches the same way, so the
// event comes first; requests in flight complete normally. From then on Produce fails with ErrFatal.
func (h senderResults) Fatal(code errcode.Code, detail string) {
	p := h.p
	cause := newError(errorCode(code), "%s", detail)
	cause.fatal = true
	if !p.fatalErr.CompareAndSwap(nil, &cause) {
		return
	}
	p.log.Logf(logx.Err, "FATAL", "Fatal error: %s: %s", errorCode(code).Name(), detail)
	if p.txn != nil {
		p.txn.onFatal(cause)
	}
	ev := wrapError(ErrFatal, cause, "fatal error: %s: %s", errorCode(code).Name(), detail)
	ev.fatal = true
	p.reports.push(ev)
	for _, t := range *p.topics.Load() {
		t.failUnassigned(p, ErrPurgeQueue, "purged after a fatal error")
	}
}

// FatalError returns the fatal error the producer raised, with its original
// code (for example ErrOutOfOrderSequenceNumber), or nil if none was raised.
// A producer with a fatal error sends nothing more: Flush and Close it.
func (p *Producer) FatalError() error {
	if f := p.fatalErr.Load(); f != nil {
		return *f
	}
	return nil
}

// String describes the producer for logs.
func (p *Producer) String() string {
	return fmt.Sprintf("kprod producer (client.id %q, %d messages held)", p.cfg.snd.Broker.ClientID, p.Len())
}
