package sender

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/internal/wire"
)

// chunkedBatch returns a prepared batch of n records of size bytes each,
// which spill over several chunks when large.
func chunkedBatch(t *testing.T, p *Partition, n, size int) *accumulator.Batch {
	t.Helper()
	for i := range n {
		v := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		accumulator.Append(p.Queue, &accumulator.Record[wire.Header]{Timestamp: 1000, Value: v, Ref: i}, 0)
	}
	b, _ := p.Queue.Take(0, true, math.MaxInt)
	require.NotNil(t, b)
	s := New(Config{}, nil, accumulator.NewClock(), nil)
	t.Cleanup(s.Close)
	var sc prepScratch
	s.prepare(b, &sc, 8, 7, 1, 0)
	return b
}

func TestProduceRequestEncodesLikeKmsgWithChunkedBatches(t *testing.T) {
	acfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1000, Linger: time.Hour, Pool: accumulator.NewPool(0)}
	parts := []*Partition{
		NewPartition("alpha", 0, acfg),
		NewPartition("beta", 3, acfg),
		NewPartition("alpha", 5, acfg),
	}
	batches := []*accumulator.Batch{
		chunkedBatch(t, parts[0], 20, 5000), // several chunks
		chunkedBatch(t, parts[1], 3, 10),    // one chunk
		chunkedBatch(t, parts[2], 1, 70000), // a chunk of its own after the first
	}
	require.NotEmpty(t, batches[0].WireMore)
	require.Empty(t, batches[1].WireMore)
	require.NotEmpty(t, batches[2].WireMore)

	txn := "txn"
	for version := int16(3); version <= 12; version++ {
		for _, tid := range []*string{nil, &txn} {
			t.Run(fmt.Sprintf("v%d/txn=%v", version, tid != nil), func(t *testing.T) {
				r := &request{req: &produceRequest{ProduceRequest: kmsg.NewPtrProduceRequest()}}
				r.req.Version, r.req.Acks, r.req.TimeoutMillis, r.req.TransactionID = version, -1, 30000, tid
				for i, b := range batches {
					r.add(parts[i], b)
				}
				got := r.req.AppendTo(nil)

				want := kmsg.NewPtrProduceRequest()
				want.Version, want.Acks, want.TimeoutMillis, want.TransactionID = version, -1, 30000, tid
				for ti, topic := range r.req.Topics {
					wt := kmsg.NewProduceRequestTopic()
					wt.Topic = topic.Topic
					for pi, tp := range topic.Partitions {
						wp := kmsg.NewProduceRequestTopicPartition()
						wp.Partition = tp.Partition
						b := r.req.batches[ti][pi]
						wp.Records = append(append([]byte(nil), b.Wire...), bytes.Join(b.WireMore, nil)...)
						wt.Partitions = append(wt.Partitions, wp)
					}
					want.Topics = append(want.Topics, wt)
				}
				require.Len(t, want.Topics, 2, "alpha's two partitions share their topic")
				require.Equal(t, want.AppendTo(nil), got)

				var back kmsg.ProduceRequest
				back.Version = version
				require.NoError(t, back.ReadFrom(got), "kmsg reads what we wrote")
				var rb kmsg.RecordBatch
				require.NoError(t, rb.ReadFrom(back.Topics[0].Partitions[0].Records))
				require.Equal(t, int32(20), rb.NumRecords)
			})
		}
	}
}

func TestProduceRequestWithoutAcksExpectsNoResponse(t *testing.T) {
	r := &produceRequest{ProduceRequest: kmsg.NewPtrProduceRequest()}
	r.Acks = 0
	require.True(t, r.NoResponse())
	r.Acks = -1
	require.False(t, r.NoResponse())
}

func TestChunkedBatchIsGatheredForCompression(t *testing.T) {
	acfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1000, Linger: time.Hour, Pool: accumulator.NewPool(0)}
	p := NewPartition("t", 0, acfg)
	for i := range 40 {
		v := bytes.Repeat([]byte(fmt.Sprintf("record %d ", i)), 300)
		accumulator.Append(p.Queue, &accumulator.Record[wire.Header]{Timestamp: 1000, Value: v, Ref: i}, 0)
	}
	b, _ := p.Queue.Take(0, true, math.MaxInt)
	require.NotEmpty(t, b.More)
	codec, err := compress.New(compress.LZ4, compress.DefaultLevel)
	require.NoError(t, err)
	s := New(Config{Codec: codec}, nil, accumulator.NewClock(), nil)
	t.Cleanup(s.Close)
	var sc prepScratch
	s.prepare(b, &sc, 8, 7, 1, 0)
	require.Less(t, b.WireLen(), b.Size())
	require.Equal(t, int16(compress.LZ4), b.Attrs)

	var rb kmsg.RecordBatch
	require.NoError(t, rb.ReadFrom(append(append([]byte(nil), b.Wire...), bytes.Join(b.WireMore, nil)...)))
	dec, err := codec.AppendDecoded(nil, rb.Records)
	require.NoError(t, err)
	require.Equal(t, b.AppendRecords(nil), dec, "the compressed records are the chunks' records, in order")
}
