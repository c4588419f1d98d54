package producer_test

import (
	"context"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestRequestAndRequestBrokerReachTheCluster(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 8
	resp, err := p.Request(ctx, req)
	require.NoError(t, err)
	md := resp.(*kmsg.MetadataResponse)
	require.Len(t, md.Brokers, 3)

	lo := kmsg.NewPtrListOffsetsRequest()
	lo.Version = 4
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = testTopic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Timestamp = -1
	rt.Partitions = []kmsg.ListOffsetsRequestTopicPartition{rp}
	lo.Topics = []kmsg.ListOffsetsRequestTopic{rt}
	var leader int32 = -1
	for _, tm := range md.Topics {
		for _, pm := range tm.Partitions {
			if *tm.Topic == testTopic && pm.Partition == 0 {
				leader = pm.Leader
			}
		}
	}
	resp, err = p.RequestBroker(ctx, leader, lo)
	require.NoError(t, err, "the brokers the metadata response listed are known")
	require.Zero(t, resp.(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0].ErrorCode)

	_, err = p.RequestBroker(ctx, 99, lo)
	require.ErrorIs(t, err, producer.ErrUnknownBroker)
	p.Close()
	_, err = p.Request(ctx, req)
	require.ErrorIs(t, err, producer.ErrDestroy)
}

func TestTestFatalErrorRaisesOneFatalError(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	require.Equal(t, producer.ErrNoError, p.TestFatalError(producer.ErrOutOfOrderSequenceNumber, "testing"))
	require.Equal(t, producer.ErrPrevInProgress, p.TestFatalError(producer.ErrFenced, "again"))
	var fe producer.Error
	require.ErrorAs(t, p.FatalError(), &fe)
	require.Equal(t, producer.ErrOutOfOrderSequenceNumber, fe.Code())
	require.True(t, fe.IsFatal())
	require.Contains(t, fe.Error(), "test_fatal_error: testing")
	err := p.Produce(&producer.Message{Topic: testTopic, Value: []byte("x")}, nil)
	require.ErrorIs(t, err, producer.ErrFatal)
	for {
		e := p.Poll(5 * time.Second)
		require.NotNil(t, e, "no fatal Error event")
		if ev, ok := e.(producer.Error); ok && ev.IsFatal() {
			require.Equal(t, producer.ErrFatal, ev.Code())
			return
		}
	}
}
