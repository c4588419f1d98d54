package producer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kprod-go/kprod/producer"
)

// TestTxnTimedOutCommitThenOtherCall: a commit whose call timed out keeps
// its result for the next CommitTransaction; another call meanwhile is a
// retriable conflict, not a state that never clears.
func TestTxnTimedOutCommitThenOtherCall(t *testing.T) {
	c := newCluster(t, kfake.MaxVersions(kversion.V3_9_0()))
	p := newProducer(t, c, producer.ConfigMap{"transactional.id": "timed-out-commit", "linger.ms": 5})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.InitTransactions(ctx))
	require.NoError(t, p.BeginTransaction())
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("a")}, nil))
	release := make(chan struct{})
	c.ControlKey(int16(kmsg.EndTxn), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	cctx, ccancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := p.CommitTransaction(cctx)
	ccancel()
	var e producer.Error
	require.True(t, errors.As(err, &e), "%v", err)
	require.True(t, e.IsRetriable() && e.IsTimeout(), "%v", err)
	close(release)
	for _, call := range []func() error{
		func() error { return p.AbortTransaction(ctx) },
		p.BeginTransaction,
	} {
		err := call()
		require.True(t, errors.As(err, &e), "%v", err)
		require.Equal(t, producer.ErrConflict, e.Code(), "%v", err)
		require.True(t, e.IsRetriable(), "%v", err)
	}
	require.NoError(t, p.CommitTransaction(ctx))
	require.NoError(t, p.BeginTransaction())
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("b")}, nil))
	require.NoError(t, p.CommitTransaction(ctx))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(testTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	require.NoError(t, err)
	defer cl.Close()
	recs := consumeWith(t, cl, testTopic, 2)
	require.Len(t, recs, 2)
	require.Equal(t, "a", string(recs[0].Value))
	require.Equal(t, "b", string(recs[1].Value))
}

// TestTxnTV2AbortedOffsetsStayUncommitted: under KIP-890 TxnOffsetCommit
// starts the transaction on the coordinator by itself; offsets sent in a
// transaction that is then aborted (here after the call timed out on a
// partition that does not exist) must not be committed by the next one.
func TestTxnTV2AbortedOffsetsStayUncommitted(t *testing.T) {
	c := newCluster(t) // kfake's default finalizes transaction.version 2
	p := newProducer(t, c, producer.ConfigMap{"transactional.id": "tv2-offsets", "linger.ms": 5})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.InitTransactions(ctx))
	require.NoError(t, p.BeginTransaction())
	g, err := producer.NewTestConsumerGroupMetadata("grp")
	require.NoError(t, err)
	sctx, scancel := context.WithTimeout(ctx, time.Second)
	err = p.SendOffsetsToTransaction(sctx, []producer.TopicPartition{
		{Topic: testTopic, Partition: 0, Offset: 42}, {Topic: "nosuch", Partition: 0, Offset: 7}}, g)
	scancel()
	require.Error(t, err)
	require.NoError(t, p.AbortTransaction(ctx))
	require.NoError(t, p.BeginTransaction())
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 1, Value: []byte("b")}, nil))
	require.NoError(t, p.CommitTransaction(ctx))

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version = 7
	req.Group = "grp"
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic, rt.Partitions = testTopic, []int32{0}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	require.NoError(t, err)
	// The group never had an offset committed: it is unknown, or knows
	// no offset for the partition.
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			require.Equal(t, int64(-1), rp.Offset, "%s [%d]: an aborted transaction's offset was committed", rt.Topic, rp.Partition)
		}
	}
}
