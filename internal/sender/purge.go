package sender

import "github.com/kprod-go/kprod/internal/errcode"

// PurgeInflight fails every batch waiting for a response with
// ErrPurgeInflight (status PossiblyPersisted: it may still be written), as
// librdkafka's RD_KAFKA_PURGE_F_INFLIGHT does. Answers that arrive later are
// ignored. Connections stay open.
func (s *Sender) PurgeInflight() {
	s.mu.Lock()
	sinks := make([]*Sink, 0, len(s.sinks))
	for _, sk := range s.sinks {
		sinks = append(sinks, sk)
	}
	s.mu.Unlock()
	for _, sk := range sinks {
		for _, r := range sk.takeRequests() {
			for i := range r.batches {
				s.fail(&r.batches[i], errcode.PurgeInflight, "purged while in flight", errcode.PossiblyPersisted)
			}
		}
		sk.Wake()
	}
}
