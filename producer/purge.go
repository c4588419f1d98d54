package producer

import "github.com/kprod-go/kprod/internal/logx"

// Purge flags, as librdkafka's RD_KAFKA_PURGE_F_* and confluent-kafka-go's
// constants of the same names.
const (
	// PurgeQueue fails every message not yet sent: partition queues,
	// messages waiting for a topic's metadata, and batches waiting to be
	// retried. Their reports carry ErrPurgeQueue.
	PurgeQueue = 0x1
	// PurgeInFlight fails every message sent and waiting for a response.
	// Their reports carry ErrPurgeInflight and status PossiblyPersisted; a
	// response that arrives later is ignored.
	PurgeInFlight = 0x2
	// PurgeNonBlocking does not wait for the purge to finish. kprod's purge
	// never blocks, so the flag is accepted and changes nothing.
	PurgeNonBlocking = 0x4
)

// Purge fails the messages flags select, as librdkafka's rd_kafka_purge.
// Their delivery reports still have to be served by Poll (or arrive on
// their deliveryChan). Unknown flags are an ErrInvalidArg error; 0 does
// nothing.
//
// For an idempotent producer a purge of messages that were already given
// sequence numbers leaves a gap, which the producer repairs by bumping its
// epoch before it sends anything else.
func (p *Producer) Purge(flags int) error {
	if flags&^(PurgeQueue|PurgeInFlight|PurgeNonBlocking) != 0 {
		return newError(ErrInvalidArg, "Purge: unknown flags %#x", flags)
	}
	if p.log.On(logx.Queue) {
		p.log.Debugf(logx.Queue, "PURGE", "Purging queued: %v, in flight: %v (%d message(s) without a report)",
			flags&PurgeQueue != 0, flags&PurgeInFlight != 0, p.acct.unreported())
	}
	if flags&PurgeQueue != 0 {
		p.purgeQueued("purged from the queue")
	}
	if flags&PurgeInFlight != 0 {
		p.snd.PurgeInflight()
	}
	return nil
}

// purgeQueued fails every message not yet sent with ErrPurgeQueue: the
// partition queues and the messages waiting for their topic's metadata.
//
// The messages waiting for metadata go first: a metadata answer between
// the two steps may move them into a partition queue, which the second
// step then empties; the other order let such a message escape.
func (p *Producer) purgeQueued(detail string) {
	for _, t := range *p.topics.Load() {
		t.failUnassigned(p, ErrPurgeQueue, detail)
	}
	p.snd.PurgeQueued()
}
