package kafka_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/kprod-go/kprod/kafka"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
)

func TestErrorCodesHaveLibrdkafkasNumbers(t *testing.T) {
	for _, tc := range []struct {
		code kafka.ErrorCode
		want int
		text string
	}{
		{kafka.ErrBadMsg, -199, "Local: Bad message format"},
		{kafka.ErrDestroy, -197, ""},
		{kafka.ErrMsgTimedOut, -192, "Local: Message timed out"},
		{kafka.ErrAllBrokersDown, -187, "Local: All broker connections are down"},
		{kafka.ErrInvalidArg, -186, ""},
		{kafka.ErrTimedOut, -185, ""},
		{kafka.ErrQueueFull, -184, "Local: Queue full"},
		{kafka.ErrState, -172, ""},
		{kafka.ErrPurgeQueue, -152, ""},
		{kafka.ErrPurgeInflight, -151, ""},
		{kafka.ErrFatal, -150, ""},
		{kafka.ErrNoError, 0, "Success"},
		{kafka.ErrUnknownTopicOrPart, 3, ""},
		{kafka.ErrMsgSizeTooLarge, 10, "Broker: Message size too large"},
		{kafka.ErrOutOfOrderSequenceNumber, 45, ""},
		{kafka.ErrProducerFenced, 90, ""},
		{kafka.ErrRebootstrapRequired, 129, ""},
		{kafka.ErrInconsistentTopicID, 103, ""},
		{kafka.ErrShareSessionLimitReached, 133, "Broker: The share session limit was reached"},
	} {
		require.Equal(t, tc.want, int(tc.code), "%s", tc.code)
		if tc.text != "" {
			require.Equal(t, tc.text, tc.code.String())
		}
		require.NotContains(t, tc.code.String(), "?", "every code has a description")
		if p := producer.ErrorCode(tc.code); p.Name() != "ERR_"+strconv.Itoa(tc.want)+"?" {
			require.Equal(t, p.String(), tc.code.String(), "the producer package's description")
		}
	}
}

func TestErrorMethods(t *testing.T) {
	e := kafka.NewError(kafka.ErrMsgTimedOut, "", false)
	require.Equal(t, kafka.ErrMsgTimedOut, e.Code())
	require.Equal(t, "Local: Message timed out", e.Error(), "an empty text is the code's description")
	require.Equal(t, e.Error(), e.String())
	require.True(t, e.IsTimeout())
	require.False(t, e.IsFatal())
	require.False(t, e.IsRetriable())
	require.False(t, e.TxnRequiresAbort())

	f := kafka.NewError(kafka.ErrFenced, "fenced by a newer producer", true)
	require.True(t, f.IsFatal())
	require.Equal(t, "Fatal error: fenced by a newer producer", f.Error())
	require.False(t, f.IsTimeout())
	for _, c := range []kafka.ErrorCode{kafka.ErrTimedOut, kafka.ErrTimedOutQueue, kafka.ErrMsgTimedOut} {
		require.True(t, kafka.NewError(c, "", false).IsTimeout(), "%v", c)
	}
	require.False(t, kafka.NewError(kafka.ErrRequestTimedOut, "", false).IsTimeout(), "a broker's timeout is not one of librdkafka's local ones")
}

func TestAProducersErrorIsAKafkaErrorThatStillMatchesTheProducerCode(t *testing.T) {
	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": "127.0.0.1:1", "queue.buffering.max.messages": 1, "linger.ms": 60000})
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.Produce(msg("t", kafka.PartitionAny, "a"), nil))
	err = p.Produce(msg("t", kafka.PartitionAny, "b"), nil)
	ke, ok := err.(kafka.Error)
	require.True(t, ok)
	require.Equal(t, kafka.ErrQueueFull, ke.Code())
	require.True(t, errors.Is(err, producer.ErrQueueFull), "Unwrap gives the producer's error")
}

func TestTimestampTypeIsNumberedAsLibrdkafka(t *testing.T) {
	require.Equal(t, 0, int(kafka.TimestampNotAvailable))
	require.Equal(t, 1, int(kafka.TimestampCreateTime))
	require.Equal(t, 2, int(kafka.TimestampLogAppendTime))
	require.Equal(t, "NotAvailable", kafka.TimestampNotAvailable.String())
	require.Equal(t, "CreateTime", kafka.TimestampCreateTime.String())
	require.Equal(t, "LogAppendTime", kafka.TimestampLogAppendTime.String())
	var zero kafka.Message
	require.Equal(t, kafka.TimestampNotAvailable, zero.TimestampType)
}

func TestOffsetsAndTopicPartitions(t *testing.T) {
	require.Equal(t, kafka.Offset(-2), kafka.OffsetBeginning)
	require.Equal(t, kafka.Offset(-1), kafka.OffsetEnd)
	require.Equal(t, kafka.Offset(-1001), kafka.OffsetInvalid)
	require.Equal(t, kafka.Offset(-1000), kafka.OffsetStored)
	require.Equal(t, kafka.Offset(-2005), kafka.OffsetTail(5))
	for s, want := range map[string]kafka.Offset{"beginning": -2, "earliest": -2, "end": -1, "latest": -1, "unset": -1001, "invalid": -1001, "stored": -1000, "42": 42} {
		o, err := kafka.NewOffset(s)
		require.NoError(t, err)
		require.Equal(t, want, o, s)
	}
	_, err := kafka.NewOffset(1.5)
	require.Equal(t, kafka.ErrInvalidArg, err.(kafka.Error).Code())
	var o kafka.Offset
	require.NoError(t, o.Set(int64(7)))
	require.Equal(t, "7", o.String())
	require.Equal(t, "unset", kafka.OffsetInvalid.String())

	topic := "t"
	require.Equal(t, "t[3]@end", kafka.TopicPartition{Topic: &topic, Partition: 3, Offset: kafka.OffsetEnd}.String())
	require.Equal(t, "<null>[0]@5(Local: Queue full)", kafka.TopicPartition{Offset: 5, Error: kafka.NewError(kafka.ErrQueueFull, "", false)}.String())
	m := kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 1, Offset: 9}}
	require.Equal(t, "t[1]@9", m.String())
	require.Equal(t, "k=nil", kafka.Header{Key: "k"}.String())
	require.Equal(t, "k=<empty>", kafka.Header{Key: "k", Value: []byte{}}.String())
	require.Equal(t, `k="v"`, kafka.Header{Key: "k", Value: []byte("v")}.String())
}

func TestLibraryVersionReportsTheMirroredLibrdkafka(t *testing.T) {
	n, s := kafka.LibraryVersion()
	require.Equal(t, "kprod "+producer.Version+" (librdkafka "+kafka.MirroredLibrdkafka+" semantics)", s)
	var major, minor, rev int
	_, err := fmt.Sscanf(kafka.MirroredLibrdkafka, "%d.%d.%d", &major, &minor, &rev)
	require.NoError(t, err)
	require.Equal(t, major<<24|minor<<16|rev<<8|0xff, n, "librdkafka's layout, 0xMMmmrrff")
	require.GreaterOrEqual(t, n, 0x020000ff, "a check for librdkafka 2.0.0 or later passes")
}
