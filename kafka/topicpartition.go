package kafka

import (
	"fmt"
	"strconv"

	"github.com/kprod-go/kprod/producer"
)

// PartitionAny lets the configured partitioner choose the partition.
const PartitionAny = producer.PartitionAny

// TopicPartition names a partition and, depending on where it is used, an
// offset, as confluent-kafka-go's type: in a delivery report the message's
// offset and error; in SendOffsetsToTransaction the consumer offset to
// commit; in OffsetsForTimes a timestamp going in and an offset coming out.
type TopicPartition struct {
	Topic       *string
	Partition   int32
	Offset      Offset
	Metadata    *string // committed with the offset; nil for none
	Error       error
	LeaderEpoch *int32 // nil when not known
}

// String returns topic[partition]@offset, with the error in parentheses
// when there is one.
func (p TopicPartition) String() string {
	topic := "<null>"
	if p.Topic != nil {
		topic = *p.Topic
	}
	if p.Error != nil {
		return fmt.Sprintf("%s[%d]@%s(%s)", topic, p.Partition, p.Offset, p.Error)
	}
	return fmt.Sprintf("%s[%d]@%s", topic, p.Partition, p.Offset)
}

// TopicPartitions is a list of partitions that sorts by topic, then
// partition.
type TopicPartitions []TopicPartition

// Len is the list's length, for sort.Interface.
func (tps TopicPartitions) Len() int { return len(tps) }

// Less orders by topic, then partition.
func (tps TopicPartitions) Less(i, j int) bool {
	if *tps[i].Topic != *tps[j].Topic {
		return *tps[i].Topic < *tps[j].Topic
	}
	return tps[i].Partition < tps[j].Partition
}

// Swap swaps two elements, for sort.Interface.
func (tps TopicPartitions) Swap(i, j int) { tps[i], tps[j] = tps[j], tps[i] }

// Offset is a partition offset, or one of the logical offsets below.
type Offset int64

// Logical offsets, with librdkafka's values.
const (
	// OffsetBeginning is the partition's first offset.
	OffsetBeginning = Offset(-2)
	// OffsetEnd is the partition's end (the next offset to be written).
	OffsetEnd = Offset(-1)
	// OffsetInvalid is no offset: a failed delivery, or one with acks=0.
	OffsetInvalid = Offset(-1001)
	// OffsetStored is a consumer's committed offset.
	OffsetStored = Offset(-1000)
)

// offsetTailBase is librdkafka's RD_KAFKA_OFFSET_TAIL_BASE.
const offsetTailBase = -2000

// String returns the offset's number, or "beginning", "end", "unset" or
// "stored".
func (o Offset) String() string {
	switch o {
	case OffsetBeginning:
		return "beginning"
	case OffsetEnd:
		return "end"
	case OffsetInvalid:
		return "unset"
	case OffsetStored:
		return "stored"
	}
	return strconv.FormatInt(int64(o), 10)
}

// Set sets the offset from a value NewOffset accepts.
func (o *Offset) Set(offset interface{}) error {
	n, err := NewOffset(offset)
	if err == nil {
		*o = n
	}
	return err
}

// NewOffset makes an Offset from an int, an int64, an Offset, a number in a
// string, or one of the strings "beginning" (or "earliest"), "end" (or
// "latest"), "unset" (or "invalid") and "stored".
func NewOffset(offset interface{}) (Offset, error) {
	switch v := offset.(type) {
	case string:
		switch v {
		case "beginning", "earliest":
			return OffsetBeginning, nil
		case "end", "latest":
			return OffsetEnd, nil
		case "unset", "invalid":
			return OffsetInvalid, nil
		case "stored":
			return OffsetStored, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return OffsetInvalid, newErrorStr(ErrInvalidArg, fmt.Sprintf("Invalid offset %q", v))
		}
		return Offset(n), nil
	case int:
		return Offset(v), nil
	case int64:
		return Offset(v), nil
	case Offset:
		return v, nil
	}
	return OffsetInvalid, newErrorStr(ErrInvalidArg, fmt.Sprintf("Invalid offset type: %T", offset))
}

// OffsetTail returns the logical offset relativeOffset messages before the
// end of a partition, as librdkafka's RD_KAFKA_OFFSET_TAIL.
func OffsetTail(relativeOffset Offset) Offset { return Offset(offsetTailBase - int64(relativeOffset)) }
