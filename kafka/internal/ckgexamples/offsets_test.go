package ckgexamples_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// committedOffset reads group's committed offset of topic's partition with
// an OffsetFetch request, independently of kprod.
func committedOffset(t *testing.T, cl *kgo.Client, group, topic string, partition int32) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic = topic
	rt.Partitions = []int32{partition}
	req.Topics = []kmsg.OffsetFetchRequestTopic{rt}
	resp, err := req.RequestWith(ctx, cl)
	require.NoError(t, err)
	require.Zero(t, resp.ErrorCode)
	for _, t2 := range resp.Topics {
		for _, p := range t2.Partitions {
			if t2.Topic == topic && p.Partition == partition {
				require.Zero(t, p.ErrorCode)
				return p.Offset
			}
		}
	}
	t.Fatalf("no committed offset for %s[%d]", topic, partition)
	return -1
}
