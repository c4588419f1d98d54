package errcode

import "fmt"

// Status is a batch's persistence status, with the values of librdkafka's
// rd_kafka_msg_status_t and of producer.PersistenceStatus. A batch keeps
// it in accumulator.Batch.Status, an int8; its zero value is NotPersisted.
type Status int8

// Persistence statuses.
const (
	NotPersisted      Status = 0 // never written, or definitely rejected
	PossiblyPersisted Status = 1 // sent without an answer: it may be in the log
	Persisted         Status = 2 // acknowledged by the broker
)

// String returns the status name, as producer.PersistenceStatus spells it.
func (s Status) String() string {
	switch s {
	case NotPersisted:
		return "NotPersisted"
	case PossiblyPersisted:
		return "PossiblyPersisted"
	case Persisted:
		return "Persisted"
	}
	return fmt.Sprintf("Status(%d)", int8(s))
}
