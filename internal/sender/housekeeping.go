package sender

import (
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/errcode"
)

// expireEvery is how often housekeeping looks for batches past
// message.timeout.ms (librdkafka looks once a second).
const expireEvery = 100 * time.Millisecond

// housekeeping is the sender's own goroutine, started by New and stopped
// by Close: every expireEvery it fails the queued batches whose
// message.timeout.ms has passed, and after a fatal error it fails every
// queued batch with errcode.PurgeQueue, at once when raiseFatal kicks it and
// at every tick after that (a Produce that passed its fatal check just
// before the error may still append).
func (s *Sender) housekeeping() {
	defer close(s.hkDone)
	tick := time.NewTicker(expireEvery)
	defer tick.Stop()
	var scratch []*accumulator.Batch
	for {
		select {
		case <-s.stopHK:
			return
		case <-tick.C:
		case <-s.kick:
		}
		scratch = s.tidy(s.clock.Now(), scratch)
	}
}

// tidy is one round of housekeeping at monotonic time now: the purge after
// a fatal error the producer has heard of, or else the expiry of queued
// batches past message.timeout.ms.
func (s *Sender) tidy(now int64, scratch []*accumulator.Batch) []*accumulator.Batch {
	if s.fatalReported.Load() {
		s.failAllQueued(errcode.PurgeQueue, "purged after a fatal error")
		return scratch
	}
	for _, p := range *s.parts.Load() {
		scratch = s.expire(p, now, scratch)
	}
	return scratch
}
