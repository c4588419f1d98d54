// Package metadata asks a broker for cluster metadata and returns it as an
// immutable snapshot: brokers by node id, and each requested topic's
// partitions with their leaders. Caching and refresh policy belong to the
// producer.
package metadata

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Partition is one partition's leadership as the broker sees it.
type Partition struct {
	ID          int32
	Leader      int32 // -1 when there is none
	LeaderEpoch int32
	Err         errcode.Code // Kafka error code for this partition, 0 if none
}

// Topic is one topic's metadata. Partitions is indexed by partition id.
type Topic struct {
	Name       string
	Err        errcode.Code // Kafka error code for the topic, 0 if none
	Partitions []Partition
}

// Snapshot is the answer to one Metadata request.
type Snapshot struct {
	Brokers map[int32]string // node id → host:port
	Topics  map[string]Topic // only the topics asked for (all, if none)
}

// Send sends a request to a broker and waits for its answer, lowering the
// request's version to the highest the broker supports: the router's Any.
type Send func(ctx context.Context, req kmsg.Request) (kmsg.Response, error)

// Fetch asks a broker, through send, for metadata of topics (all topics
// when topics is nil), asking the broker to create missing topics when
// autoCreate is set.
func Fetch(ctx context.Context, send Send, topics []string, autoCreate bool) (*Snapshot, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = broker.MaxMetadataVersion
	req.AllowAutoTopicCreation = autoCreate
	if topics != nil {
		req.Topics = make([]kmsg.MetadataRequestTopic, len(topics))
		for i, t := range topics {
			req.Topics[i].Topic = kmsg.StringPtr(t)
		}
	}
	kresp, err := send(ctx, req)
	if err != nil {
		return nil, err
	}
	return fromResponse(kresp.(*kmsg.MetadataResponse))
}

// fromResponse validates a response and converts it.
func fromResponse(resp *kmsg.MetadataResponse) (*Snapshot, error) {
	s := &Snapshot{Brokers: make(map[int32]string, len(resp.Brokers)), Topics: make(map[string]Topic, len(resp.Topics))}
	for _, b := range resp.Brokers {
		if b.Port <= 0 || b.Port > 65535 || b.Host == "" {
			return nil, fmt.Errorf("metadata lists broker %d at invalid address %q:%d", b.NodeID, b.Host, b.Port)
		}
		s.Brokers[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
	}
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue // topic ids only; we always ask by name
		}
		topic := Topic{Name: *t.Topic, Err: errcode.Code(t.ErrorCode)}
		if t.ErrorCode == 0 {
			parts := make([]Partition, len(t.Partitions))
			seen := make([]bool, len(t.Partitions))
			for _, p := range t.Partitions {
				if p.Partition < 0 || int(p.Partition) >= len(parts) || seen[p.Partition] {
					return nil, fmt.Errorf("metadata for topic %q lists partition %d out of %d", *t.Topic, p.Partition, len(parts))
				}
				seen[p.Partition] = true
				parts[p.Partition] = Partition{ID: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, Err: errcode.Code(p.ErrorCode)}
			}
			topic.Partitions = parts
		}
		s.Topics[topic.Name] = topic
	}
	return s, nil
}

// BrokerIDs returns the snapshot's broker ids in ascending order.
func (s *Snapshot) BrokerIDs() []int32 {
	ids := make([]int32, 0, len(s.Brokers))
	for id := range s.Brokers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
