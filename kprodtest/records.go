package kprodtest

import (
	"context"
	"fmt"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Record is a record as the cluster stored it.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte // nil for a null key
	Value     []byte // nil for a null value (a tombstone)
	Headers   []producer.Header
	Timestamp time.Time
	// TimestampType says whether Timestamp is the producer's
	// (CreateTime) or the broker's (LogAppendTime).
	TimestampType producer.TimestampType
	// ProducerID and ProducerEpoch are the idempotent or transactional
	// producer's identity, -1 for a producer that is neither.
	ProducerID    int64
	ProducerEpoch int16
	// LeaderEpoch is the partition leader's epoch when the record was
	// written.
	LeaderEpoch int32
	// Transactional is true for a record written in a transaction.
	Transactional bool
}

// A ReadOption changes how Records reads.
type ReadOption func(*readConfig)

type readConfig struct {
	isolation kgo.IsolationLevel
}

// ReadUncommitted makes Records return every record written, including
// those of open and aborted transactions, up to each partition's high
// watermark. By default Records reads as a read_committed consumer does.
func ReadUncommitted() ReadOption {
	return func(r *readConfig) { r.isolation = kgo.ReadUncommitted() }
}

// partitionMaxBytes is how much one fetch asks for from a partition.
const partitionMaxBytes = 8 << 20

// Records returns every record of topic, partition by partition in offset
// order, as a consumer starting from the beginning sees them at the moment
// of the call: by default read_committed, so records of aborted
// transactions are left out and reading stops before any open
// transaction (the last stable offset); with ReadUncommitted up to the
// high watermark. Records are read over the network with franz-go's kgo
// client, from each partition's leader, so injected delays slow it down.
func (c *Cluster) Records(ctx context.Context, topic string, opts ...ReadOption) ([]Record, error) {
	rc := readConfig{isolation: kgo.ReadCommitted()}
	for _, o := range opts {
		o(&rc)
	}
	ti := c.kf.TopicInfo(topic)
	parts := c.kf.PartitionInfos(topic)
	if ti == nil || parts == nil {
		return nil, fmt.Errorf("kprodtest: read %s: %w", topic, kerr.UnknownTopicOrPartition)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.kf.ListenAddrs()...))
	if err != nil {
		return nil, fmt.Errorf("kprodtest: read %s: %w", topic, err)
	}
	defer cl.Close()
	var out []Record
	for _, p := range parts {
		end := p.HighWatermark
		if rc.isolation == kgo.ReadCommitted() {
			end = p.LastStableOffset
		}
		out, err = c.readPartition(ctx, cl, rc, ti.TopicID, topic, p.Partition, p.LogStartOffset, end, out)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readPartition appends the records of one partition from offset up to
// end to out.
func (c *Cluster) readPartition(ctx context.Context, cl *kgo.Client, rc readConfig, id [16]byte,
	topic string, partition int32, offset, end int64, out []Record) ([]Record, error) {
	for offset < end {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis = 100
		req.MinBytes = 1
		req.IsolationLevel = int8(0)
		if rc.isolation == kgo.ReadCommitted() {
			req.IsolationLevel = 1
		}
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = topic, id
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = partition, offset, partitionMaxBytes
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)

		leader := c.kf.LeaderFor(topic, partition)
		resp, err := cl.Broker(int(leader)).Request(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("kprodtest: read %s[%d] at offset %d from broker %d: %w", topic, partition, offset, leader, err)
		}
		fr := resp.(*kmsg.FetchResponse)
		var got *kmsg.FetchResponseTopicPartition
		for i := range fr.Topics {
			for j := range fr.Topics[i].Partitions {
				if fr.Topics[i].Partitions[j].Partition == partition {
					got = &fr.Topics[i].Partitions[j]
				}
			}
		}
		code := fr.ErrorCode
		if got != nil && code == 0 {
			code = got.ErrorCode
		}
		if code != 0 || got == nil {
			err := kerr.ErrorForCode(code)
			if got == nil && code == 0 {
				err = fmt.Errorf("no answer for the partition")
			}
			if !kerr.IsRetriable(err) {
				return nil, fmt.Errorf("kprodtest: read %s[%d] at offset %d: %w", topic, partition, offset, err)
			}
			if err := pause(ctx, 10*time.Millisecond); err != nil { // a leader moving: ask again
				return nil, fmt.Errorf("kprodtest: read %s[%d] at offset %d: %w", topic, partition, offset, err)
			}
			continue
		}
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			Offset:         offset,
			IsolationLevel: rc.isolation,
			Topic:          topic,
			Partition:      partition,
		}, got, kgo.DefaultDecompressor(), nil)
		if fp.Err != nil {
			return nil, fmt.Errorf("kprodtest: read %s[%d] at offset %d: %w", topic, partition, offset, fp.Err)
		}
		for _, r := range fp.Records {
			if r.Offset < end {
				out = append(out, record(r))
			}
		}
		if next <= offset {
			if err := pause(ctx, 10*time.Millisecond); err != nil {
				return nil, fmt.Errorf("kprodtest: read %s[%d]: stuck at offset %d below %d: %w", topic, partition, offset, end, err)
			}
			continue
		}
		offset = next
	}
	return out, nil
}

// pause waits d or until ctx is done.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func record(r *kgo.Record) Record {
	out := Record{
		Topic:         r.Topic,
		Partition:     r.Partition,
		Offset:        r.Offset,
		Key:           r.Key,
		Value:         r.Value,
		Timestamp:     r.Timestamp,
		ProducerID:    r.ProducerID,
		ProducerEpoch: r.ProducerEpoch,
		LeaderEpoch:   r.LeaderEpoch,
		Transactional: r.Attrs.IsTransactional(),
	}
	if r.Attrs.TimestampType() == 1 {
		out.TimestampType = producer.TimestampLogAppendTime
	}
	if len(r.Headers) > 0 {
		out.Headers = make([]producer.Header, len(r.Headers))
		for i, h := range r.Headers {
			out.Headers[i] = producer.Header{Key: h.Key, Value: h.Value}
		}
	}
	return out
}

// CommittedOffsets returns the offsets the consumer group has committed,
// by topic and partition: with a transactional producer's
// SendOffsetsToTransaction, those of committed transactions. It returns
// nil if the group does not exist.
func (c *Cluster) CommittedOffsets(group string) map[string]map[int32]int64 {
	gi := c.kf.GroupInfo(group)
	if gi == nil {
		return nil
	}
	out := make(map[string]map[int32]int64, len(gi.Commits))
	for topic, ps := range gi.Commits {
		m := make(map[int32]int64, len(ps))
		for p, gc := range ps {
			m[p] = gc.Offset
		}
		out[topic] = m
	}
	return out
}
