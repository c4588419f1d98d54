package producer

import (
	"fmt"
	"time"
)

// PartitionAny lets the configured partitioner choose the partition
// (librdkafka's RD_KAFKA_PARTITION_UA).
const PartitionAny int32 = -1

// Header is a record header. Keys are strings and may repeat; a nil Value is
// a null header value, distinct from an empty one.
type Header struct {
	Key   string
	Value []byte
}

// String returns the header as key="value".
func (h Header) String() string { return fmt.Sprintf("%s=%q", h.Key, h.Value) }

// TimestampType says where a message's Timestamp came from.
type TimestampType int8

// Timestamp types, as in Kafka's record batch attributes.
const (
	TimestampCreateTime    TimestampType = 0 // set by the producer (the default)
	TimestampLogAppendTime TimestampType = 1 // set by the broker: the topic uses message.timestamp.type=LogAppendTime
)

// PersistenceStatus says whether a message reached the partition's log, as
// librdkafka's rd_kafka_msg_status_t.
type PersistenceStatus int8

// Persistence statuses.
const (
	// NotPersisted: the message never reached the broker, or the broker
	// definitely rejected it. Producing it again cannot duplicate it.
	NotPersisted PersistenceStatus = iota
	// PossiblyPersisted: the message was sent but no answer came back (a
	// timeout, a lost connection, acks=0). It may be in the log; producing
	// it again may duplicate it.
	PossiblyPersisted
	// Persisted: the broker acknowledged the message. With acks=all it is
	// on every in-sync replica.
	Persisted
)

// String returns the status name.
func (s PersistenceStatus) String() string {
	if s < NotPersisted || s > Persisted {
		return fmt.Sprintf("PersistenceStatus(%d)", int8(s))
	}
	return internalStatus(s).String() // the names are errcode's
}

// Event is what Poll returns: a *Message (a delivery report), an Error (a
// client-level problem, such as a fatal error), an OAuthBearerTokenRefresh,
// or, with statistics.interval.ms, a *Stats.
type Event interface {
	String() string
}

// Message is one record to produce, and later its delivery report.
//
// Produce takes the message: from the call until its delivery report comes
// back, the producer owns it and the caller must not modify it or produce
// it again. The report is the same *Message with Partition, Offset,
// Timestamp, Err and Status filled in.
type Message struct {
	Topic     string
	Partition int32     // PartitionAny: the configured partitioner decides
	Key       []byte    // nil and empty are different keys, as in librdkafka
	Value     []byte    // nil is a null value (a tombstone on compacted topics)
	Headers   []Header  //
	Timestamp time.Time // zero: the time of Produce
	Opaque    any       // handed back untouched in the delivery report

	// Set before the message comes back as a delivery report.
	Offset        int64 // -1 when unknown (acks=0, failure)
	Err           error // nil when delivered; an Error otherwise
	Status        PersistenceStatus
	TimestampType TimestampType

	// Owned by the producer from Produce to the delivery report.
	//
	// valueLen is len(Value) as Produce counted it against the
	// queue.buffering limits; the report path counts it out from here.
	// It sits in the padding after TimestampType, on the cache line of
	// Err and drChan that the report path writes anyway, so that counting
	// out does not read Value's line, cold by then (a cache miss per
	// report, a tenth of the client's CPU with 1 KB messages).
	valueLen int32
	drChan   chan Event  // where the report goes; nil means Poll
	waiter   *syncWaiter // a ProduceSync waiting for the report, if any
	enqueued int64       // monotonic time of Produce, for message.timeout.ms while unpartitioned
}

// String describes the message for logs: topic, partition, offset and, for
// a failed delivery, the error.
func (m *Message) String() string {
	if m.Err != nil {
		return fmt.Sprintf("%s[%d]@%d: %v", m.Topic, m.Partition, m.Offset, m.Err)
	}
	return fmt.Sprintf("%s[%d]@%d", m.Topic, m.Partition, m.Offset)
}
