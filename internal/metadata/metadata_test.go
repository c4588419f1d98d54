package metadata

import (
	"strings"
	"testing"

	"github.com/kprod-go/kprod/internal/kmsgspin"

	"github.com/kprod-go/kprod/internal/broker"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// response builds a Metadata response at version v with brokers 1 and 2
// and one topic whose partitions have the ids given (leader 1 each).
func response(v int16, topic string, ids ...int32) *kmsg.MetadataResponse {
	r := kmsg.NewPtrMetadataResponse()
	r.Version = v
	for id := int32(1); id <= 2; id++ {
		b := kmsg.NewMetadataResponseBroker()
		b.NodeID, b.Host, b.Port = id, "broker", 9090+id
		r.Brokers = append(r.Brokers, b)
	}
	t := kmsg.NewMetadataResponseTopic()
	t.Topic = kmsg.StringPtr(topic)
	for _, id := range ids {
		p := kmsg.NewMetadataResponseTopicPartition()
		p.Partition, p.Leader, p.LeaderEpoch = id, 1, 7
		t.Partitions = append(t.Partitions, p)
	}
	r.Topics = append(r.Topics, t)
	return r
}

func TestFromResponseIndexesPartitionsByID(t *testing.T) {
	s, err := fromResponse(response(12, "events", 2, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Brokers[2]; got != "broker:9092" {
		t.Errorf("broker 2 at %q, want broker:9092", got)
	}
	parts := s.Topics["events"].Partitions
	if len(parts) != 3 {
		t.Fatalf("got %d partitions, want 3", len(parts))
	}
	for i, p := range parts {
		if p.ID != int32(i) || p.Leader != 1 || p.LeaderEpoch != 7 {
			t.Errorf("partition at index %d is %+v, want id %d, leader 1, epoch 7", i, p, i)
		}
	}
}

func TestFromResponseRejectsInconsistentMetadata(t *testing.T) {
	cases := []struct {
		name string
		edit func(r *kmsg.MetadataResponse)
		want string // in the error
	}{
		{"a negative partition id", func(r *kmsg.MetadataResponse) {
			r.Topics[0].Partitions[1].Partition = -1
		}, `topic "events" lists partition -1 out of 3`},
		{"a partition id past the partition count", func(r *kmsg.MetadataResponse) {
			r.Topics[0].Partitions[2].Partition = 3
		}, "partition 3 out of 3"},
		{"a partition listed twice", func(r *kmsg.MetadataResponse) {
			r.Topics[0].Partitions[2].Partition = 0
		}, "partition 0 out of 3"},
		{"a huge partition id", func(r *kmsg.MetadataResponse) {
			r.Topics[0].Partitions[0].Partition = 1<<31 - 1
		}, "partition 2147483647 out of 3"},
		{"a broker with port 0", func(r *kmsg.MetadataResponse) {
			r.Brokers[0].Port = 0
		}, `broker 1 at invalid address "broker":0`},
		{"a broker with a negative port", func(r *kmsg.MetadataResponse) {
			r.Brokers[1].Port = -9092
		}, "broker 2 at invalid address"},
		{"a broker with a port above 65535", func(r *kmsg.MetadataResponse) {
			r.Brokers[1].Port = 70000
		}, "broker 2 at invalid address"},
		{"a broker with no host", func(r *kmsg.MetadataResponse) {
			r.Brokers[0].Host = ""
		}, "broker 1 at invalid address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := response(12, "events", 0, 1, 2)
			tc.edit(r)
			s, err := fromResponse(r)
			if err == nil {
				t.Fatalf("got snapshot %+v, want an error", s)
			}
			if s != nil {
				t.Errorf("got a snapshot with error %v, want none", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %q, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestFromResponseKeepsTopicErrorsWithoutPartitions(t *testing.T) {
	r := response(12, "events", 0, 5) // partition 5 of 2 would be refused, but the topic has an error
	r.Topics[0].ErrorCode = 3         // UNKNOWN_TOPIC_OR_PARTITION
	id := kmsg.NewMetadataResponseTopic()
	id.TopicID = [16]byte{1} // a topic known only by id: not one we asked for
	r.Topics = append(r.Topics, id)
	s, err := fromResponse(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Topics) != 1 {
		t.Errorf("got topics %v, want only events", s.Topics)
	}
	if got := s.Topics["events"]; got.Err != 3 || got.Partitions != nil {
		t.Errorf("got %+v, want error 3 and no partitions", got)
	}
}

// FuzzFromResponse decodes arbitrary bytes as a Metadata response of any
// version the producer speaks and converts it. It must not panic, and a
// snapshot it returns must be consistent: every partition at the index of
// its id, every broker at an address with a port.
func FuzzFromResponse(f *testing.F) {
	for _, v := range []int16{0, 1, 5, 9, 12} {
		f.Add(v, response(v, "events", 1, 0).AppendTo(nil))
		f.Add(v, response(v, "events", 0, 0).AppendTo(nil))
	}
	f.Fuzz(func(t *testing.T, version int16, body []byte) {
		n := int(broker.MaxMetadataVersion) + 1
		r := kmsg.NewPtrMetadataResponse()
		r.Version = int16((int(version)%n + n) % n)
		if kmsgspin.MaySpin(r.IsFlexible(), body) {
			return
		}
		if err := r.ReadFrom(body); err != nil {
			return
		}
		s, err := fromResponse(r)
		if err != nil {
			if s != nil {
				t.Fatalf("got a snapshot and an error: %v", err)
			}
			return
		}
		for id, addr := range s.Brokers {
			if i := strings.LastIndexByte(addr, ':'); i <= 0 || i == len(addr)-1 {
				t.Fatalf("broker %d at %q: not host:port", id, addr)
			}
		}
		for name, topic := range s.Topics {
			if topic.Name != name {
				t.Fatalf("topic %q stored under %q", topic.Name, name)
			}
			if topic.Err != 0 && topic.Partitions != nil {
				t.Fatalf("topic %q has error %d and partitions", name, topic.Err)
			}
			for i, p := range topic.Partitions {
				if p.ID != int32(i) {
					t.Fatalf("topic %q: partition %d at index %d", name, p.ID, i)
				}
			}
		}
	})
}
