package kafka

import (
	"fmt"
	"strconv"
	"time"
)

// TimestampType says where a message's Timestamp came from, numbered as
// librdkafka's rd_kafka_timestamp_type_t and confluent-kafka-go (package
// producer numbers CreateTime 0: convert with the constants, not the
// numbers).
type TimestampType int

// Timestamp types.
const (
	// TimestampNotAvailable: the message has no timestamp.
	TimestampNotAvailable TimestampType = 0
	// TimestampCreateTime: set by the producer (or the application).
	TimestampCreateTime TimestampType = 1
	// TimestampLogAppendTime: set by the broker when it wrote the message
	// (the topic has message.timestamp.type=LogAppendTime).
	TimestampLogAppendTime TimestampType = 2
)

// String returns "CreateTime", "LogAppendTime" or "NotAvailable".
func (t TimestampType) String() string {
	switch t {
	case TimestampCreateTime:
		return "CreateTime"
	case TimestampLogAppendTime:
		return "LogAppendTime"
	}
	return "NotAvailable"
}

// Message is a message to produce and, later, its delivery report, as
// confluent-kafka-go's kafka.Message.
//
// Produce takes the message: its delivery report is the same *Message,
// with TopicPartition's Partition, Offset and Error, Timestamp and
// TimestampType filled in. Until the report comes, neither the Message nor
// the slices it points to (Key, Value, Headers) may be changed or produced
// again; confluent-kafka-go copies them in Produce, kprod does not (see
// docs/migrating-from-confluent-kafka-go.md).
type Message struct {
	// TopicPartition names the topic (required) and the partition
	// (PartitionAny: the partitioner chooses); in the report, the
	// partition, offset and error.
	TopicPartition TopicPartition
	Value          []byte    // nil is a null value (a tombstone)
	Key            []byte    // nil and empty are different keys
	Timestamp      time.Time // zero: the time of Produce
	TimestampType  TimestampType
	Opaque         interface{} // handed back untouched in the report
	Headers        []Header
	// LeaderEpoch is nil for a producer's messages.
	//
	// Deprecated: use TopicPartition.LeaderEpoch, as in
	// confluent-kafka-go.
	LeaderEpoch *int32
}

// String describes the message as topic[partition]@offset.
func (m *Message) String() string {
	topic := ""
	if m.TopicPartition.Topic != nil {
		topic = *m.TopicPartition.Topic
	}
	return fmt.Sprintf("%s[%d]@%s", topic, m.TopicPartition.Partition, m.TopicPartition.Offset)
}

// Header is a record header: a key, which may repeat, and a binary value,
// where nil (a null value) and empty differ.
type Header struct {
	Key   string // the header's name
	Value []byte // nil, empty, or binary
}

// String returns the header as key=value, with value quoted, "nil" or
// "<empty>", and cut after 50 bytes when long.
func (h Header) String() string {
	switch {
	case h.Value == nil:
		return h.Key + "=nil"
	case len(h.Value) == 0:
		return h.Key + "=<empty>"
	case len(h.Value) > 65:
		return fmt.Sprintf("%s=%s(%d more bytes)", h.Key, strconv.Quote(string(h.Value[:50])), len(h.Value)-50)
	}
	return h.Key + "=" + strconv.Quote(string(h.Value))
}
