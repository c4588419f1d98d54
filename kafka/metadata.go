package kafka

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// BrokerMetadata is a broker as the cluster metadata lists it.
type BrokerMetadata struct {
	ID   int32
	Host string
	Port int
}

// PartitionMetadata is a partition as the cluster metadata lists it. Error
// has code ErrNoError when the broker reported no error.
type PartitionMetadata struct {
	ID       int32
	Error    Error
	Leader   int32 // the leader's broker id; -1 for none
	Replicas []int32
	Isrs     []int32
}

// TopicMetadata is a topic as the cluster metadata lists it. Error has code
// ErrNoError when the broker reported no error (ErrUnknownTopicOrPart for a
// topic that does not exist).
type TopicMetadata struct {
	Topic      string
	Partitions []PartitionMetadata
	Error      Error
}

// Metadata is the cluster metadata GetMetadata returns.
type Metadata struct {
	Brokers []BrokerMetadata
	Topics  map[string]TopicMetadata
	// OriginatingBroker is the broker that answered. kprod does not say
	// which did: its ID is -1 and its Host empty.
	OriginatingBroker BrokerMetadata
}

// timeoutContext returns a context ending after timeoutMs milliseconds;
// a negative timeoutMs waits indefinitely, as librdkafka's -1.
func timeoutContext(timeoutMs int) (context.Context, context.CancelFunc) {
	if timeoutMs < 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(timeoutMs)*time.Millisecond)
}

// GetMetadata asks a broker for the cluster's metadata within timeoutMs
// milliseconds: the brokers, and the topic named by topic, or every topic
// with allTopics. With neither, it returns the brokers alone (librdkafka
// also lists the topics the producer has used). A topic that does not
// exist is created first when the broker allows it and
// allow.auto.create.topics is true (a producer's default), as librdkafka
// does. A timeout fails with ErrTimedOut.
func (p *Producer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*Metadata, error) {
	if p.closed.Load() {
		return nil, errClosed
	}
	req := kmsg.NewPtrMetadataRequest()
	req.Version = broker.MaxMetadataVersion
	req.AllowAutoTopicCreation = false
	switch {
	case topic != nil:
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(*topic)
		req.Topics = []kmsg.MetadataRequestTopic{t}
		req.AllowAutoTopicCreation = p.autoCreate
	case allTopics:
		req.Topics = nil // null: every topic
	default:
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	resp, err := p.metadata(req, timeoutMs)
	if err != nil {
		return nil, err
	}
	m := &Metadata{
		Brokers:           make([]BrokerMetadata, len(resp.Brokers)),
		Topics:            make(map[string]TopicMetadata, len(resp.Topics)),
		OriginatingBroker: BrokerMetadata{ID: -1},
	}
	for i, b := range resp.Brokers {
		m.Brokers[i] = BrokerMetadata{ID: b.NodeID, Host: b.Host, Port: int(b.Port)}
	}
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		tm := TopicMetadata{Topic: *t.Topic, Error: codeError(t.ErrorCode), Partitions: make([]PartitionMetadata, len(t.Partitions))}
		for j, pt := range t.Partitions {
			tm.Partitions[j] = PartitionMetadata{ID: pt.Partition, Error: codeError(pt.ErrorCode), Leader: pt.Leader, Replicas: pt.Replicas, Isrs: pt.ISR}
		}
		slices.SortFunc(tm.Partitions, func(a, b PartitionMetadata) int { return cmp.Compare(a.ID, b.ID) }) // as librdkafka sorts them
		m.Topics[tm.Topic] = tm
	}
	return m, nil
}

// codeError is a broker's error code as an Error (code ErrNoError for 0).
func codeError(code int16) Error { return Error{code: ErrorCode(code)} }

// metadata sends req within timeoutMs.
func (p *Producer) metadata(req *kmsg.MetadataRequest, timeoutMs int) (*kmsg.MetadataResponse, error) {
	ctx, cancel := timeoutContext(timeoutMs)
	defer cancel()
	resp, err := p.request(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*kmsg.MetadataResponse), nil
}

// request sends req to any broker, trying again while none can be reached
// until ctx ends, as librdkafka waits for a broker up to the call's
// timeout; then it fails with ErrTimedOut.
func (p *Producer) request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	wait := 10 * time.Millisecond
	for {
		resp, err := p.p.Request(ctx, req)
		if err == nil {
			return resp, nil
		}
		var pe producer.Error
		if !errors.As(err, &pe) || (pe.Code() != producer.ErrTransport && pe.Code() != producer.ErrTimedOut) {
			return nil, fromProducerError(err)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, Error{code: ErrTimedOut, str: "no broker answered in time: " + err.Error(), retriable: true, cause: err}
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// QueryWatermarkOffsets asks the partition's leader for its low watermark
// (the first offset) and high watermark (the offset the next message will
// get; the last stable offset while a transaction is open, as librdkafka
// reads at read_committed), within timeoutMs milliseconds.
func (p *Producer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	if p.closed.Load() {
		return -1, -1, errClosed
	}
	ctx, cancel := timeoutContext(timeoutMs)
	defer cancel()
	leaders, err := p.leaders(ctx, []TopicPartition{{Topic: &topic, Partition: partition}})
	if err != nil {
		return 0, 0, err
	}
	if e := leaders[0].err; e != nil {
		return 0, 0, e
	}
	low, err = p.listOffset(ctx, leaders[0].leader, topic, partition, int64(OffsetBeginning))
	if err != nil {
		return 0, 0, err
	}
	high, err = p.listOffset(ctx, leaders[0].leader, topic, partition, int64(OffsetEnd))
	if err != nil {
		return 0, 0, err
	}
	return low, high, nil
}

// OffsetsForTimes returns, for each partition of times, the earliest
// offset whose timestamp is at or after the partition's Offset, read as a
// timestamp in milliseconds since the Unix epoch; OffsetEnd (-1) when
// there is none. A partition that fails has its Error set. The whole call
// fails only when the metadata cannot be had (ErrTimedOut after timeoutMs
// milliseconds).
func (p *Producer) OffsetsForTimes(times []TopicPartition, timeoutMs int) (offsets []TopicPartition, err error) {
	if p.closed.Load() {
		return nil, errClosed
	}
	ctx, cancel := timeoutContext(timeoutMs)
	defer cancel()
	leaders, err := p.leaders(ctx, times)
	if err != nil {
		return nil, err
	}
	offsets = make([]TopicPartition, len(times))
	for i, t := range times {
		offsets[i] = t
		offsets[i].Error = nil
		if e := leaders[i].err; e != nil {
			offsets[i].Offset, offsets[i].Error = OffsetInvalid, e
			continue
		}
		o, err := p.listOffset(ctx, leaders[i].leader, *t.Topic, t.Partition, int64(t.Offset))
		if err != nil {
			offsets[i].Offset, offsets[i].Error = OffsetInvalid, err
			continue
		}
		offsets[i].Offset = Offset(o)
	}
	return offsets, nil
}

// leader is a partition's leader, or why it has none.
type leader struct {
	leader int32
	err    error
}

// leaders asks the metadata of the partitions' topics and returns each
// partition's leader, in order.
func (p *Producer) leaders(ctx context.Context, tps []TopicPartition) ([]leader, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = broker.MaxMetadataVersion
	req.AllowAutoTopicCreation = p.autoCreate
	seen := map[string]bool{}
	for _, tp := range tps {
		if tp.Topic == nil || *tp.Topic == "" {
			return nil, newErrorStr(ErrInvalidArg, "a partition has no topic")
		}
		if !seen[*tp.Topic] {
			seen[*tp.Topic] = true
			t := kmsg.NewMetadataRequestTopic()
			t.Topic = kmsg.StringPtr(*tp.Topic)
			req.Topics = append(req.Topics, t)
		}
	}
	resp, err := p.request(ctx, req)
	if err != nil {
		return nil, err
	}
	md := resp.(*kmsg.MetadataResponse)
	out := make([]leader, len(tps))
	for i, tp := range tps {
		out[i] = leader{leader: -1, err: newErrorStr(ErrUnknownTopicOrPart, "")}
		for _, t := range md.Topics {
			if t.Topic == nil || *t.Topic != *tp.Topic {
				continue
			}
			if t.ErrorCode != 0 {
				out[i].err = codeError(t.ErrorCode)
				break
			}
			out[i].err = newErrorStr(ErrUnknownPartition, "")
			for _, pt := range t.Partitions {
				if pt.Partition != tp.Partition {
					continue
				}
				switch {
				case pt.ErrorCode != 0:
					out[i].err = codeError(pt.ErrorCode)
				case pt.Leader < 0:
					out[i].err = newErrorStr(ErrLeaderNotAvailable, "")
				default:
					out[i] = leader{leader: pt.Leader}
				}
			}
		}
	}
	return out, nil
}

// listOffsetsVersion is the ListOffsets version asked for: the newest
// without flexible encoding, with the isolation level and leader epochs.
const listOffsetsVersion = 4

// listOffset asks leader for the offset of partition at timestamp (-2 the
// first, -1 the end), at read_committed.
func (p *Producer) listOffset(ctx context.Context, leader int32, topic string, partition int32, timestamp int64) (int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.Version = listOffsetsVersion
	req.ReplicaID = -1
	req.IsolationLevel = 1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition = partition
	rp.Timestamp = timestamp
	rp.CurrentLeaderEpoch = -1
	rt.Partitions = []kmsg.ListOffsetsRequestTopicPartition{rp}
	req.Topics = []kmsg.ListOffsetsRequestTopic{rt}
	resp, err := p.p.RequestBroker(ctx, leader, req)
	if err != nil {
		return 0, fromProducerError(err)
	}
	for _, t := range resp.(*kmsg.ListOffsetsResponse).Topics {
		for _, pt := range t.Partitions {
			if t.Topic != topic || pt.Partition != partition {
				continue
			}
			if pt.ErrorCode != 0 {
				return 0, codeError(pt.ErrorCode)
			}
			return pt.Offset, nil
		}
	}
	return 0, newErrorStr(ErrBadMsg, "ListOffsets response left out "+topic)
}
