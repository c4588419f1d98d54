package producer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kprod-go/kprod/producer"
)

// TestTxnSmoke: two transactions, the first committed and the second
// aborted: a read_committed consumer sees exactly the first's messages, a
// read_uncommitted one sees both.
func TestTxnSmoke(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []kfake.Opt
	}{{"v1", []kfake.Opt{kfake.MaxVersions(kversion.V3_9_0())}}, {"latest", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, tc.opts...)
			p := newProducer(t, c, producer.ConfigMap{"transactional.id": "smoke", "linger.ms": 5, "debug": "eos"})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			require.NoError(t, p.InitTransactions(ctx))
			for round, commit := range []bool{true, false} {
				require.NoError(t, p.BeginTransaction())
				for i := range 50 {
					require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny,
						Key: keyFor(i), Value: []byte(fmt.Sprintf("r%d-%d", round, i))}, nil))
				}
				if commit {
					require.NoError(t, p.CommitTransaction(ctx))
				} else {
					require.Zero(t, p.Flush(10*time.Second)) // written, then aborted: visible uncommitted only
					require.NoError(t, p.AbortTransaction(ctx))
				}
			}
			err := p.Produce(&producer.Message{Topic: testTopic, Value: []byte("x")}, nil)
			require.ErrorIs(t, err, producer.ErrState)
			cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(testTopic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond),
				kgo.FetchIsolationLevel(kgo.ReadCommitted()))
			require.NoError(t, err)
			defer cl.Close()
			recs := consumeWith(t, cl, testTopic, 50)
			require.Len(t, recs, 50)
			for _, r := range recs {
				require.Equal(t, byte('0'), r.Value[1], "record %q", r.Value)
			}
			all := consume(t, c, testTopic, 100)
			require.Len(t, all, 100)
		})
	}
}
