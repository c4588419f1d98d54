package partitioner

import "time"

// kind is one of librdkafka's partitioner functions (rd_kafka_msg_partitioner_*),
// kprod's murmur3 pair, or a custom partitioner.
type kind uint8

const (
	kindRandom kind = iota
	kindConsistent
	kindConsistentRandom
	kindMurmur2
	kindMurmur2Random
	kindFNV1a
	kindFNV1aRandom
	kindMurmur3
	kindMurmur3Random
	kindCustom
)

// kindOf maps a partitioner property value to its kind.
func kindOf(name string) (kind, bool) {
	switch name {
	case NameRandom:
		return kindRandom, true
	case NameConsistent:
		return kindConsistent, true
	case NameConsistentRandom:
		return kindConsistentRandom, true
	case NameMurmur2:
		return kindMurmur2, true
	case NameMurmur2Random:
		return kindMurmur2Random, true
	case NameFNV1a:
		return kindFNV1a, true
	case NameFNV1aRandom:
		return kindFNV1aRandom, true
	case NameMurmur3:
		return kindMurmur3, true
	case NameMurmur3Random:
		return kindMurmur3Random, true
	}
	return 0, false
}

// neverSticky reports whether keyless messages bypass the sticky partition
// for this kind: librdkafka sets random_partitioner for consistent, murmur2
// and fnv1a (rd_kafka_topic_new0), whose NULL keys are hashed like empty
// ones. murmur3 follows murmur2.
func (k kind) neverSticky() bool {
	switch k {
	case kindConsistent, kindMurmur2, kindFNV1a, kindMurmur3:
		return true
	}
	return false
}

// builtin is a librdkafka-style partitioner: one of the partitioner
// functions, with librdkafka's sticky partition in front of it for keyless
// messages (rd_kafka_msg_partitioner).
type builtin struct {
	kind   kind
	custom Partitioner         // kindCustom only
	sticky *sticky             // nil when keyless messages are not sticky
	rand   func(n int32) int32 // uniform in [0, n)
}

func newBuiltin(k kind, cfg Config) *builtin {
	b := &builtin{kind: k, custom: cfg.Custom, rand: randInt32N}
	if cfg.StickyLinger > 0 && !k.neverSticky() {
		b.sticky = newSticky(cfg.StickyLinger, cfg.Now, b.random)
	}
	return b
}

// Partition follows rd_kafka_msg_partitioner: with stickiness on, a NULL
// key (and, for consistent_random only, an empty key) takes the topic's
// sticky partition; every other message goes to the partitioner function.
func (b *builtin) Partition(key []byte, n int32, avail Availability) int32 {
	if b.sticky != nil && b.isSticky(key) {
		return b.sticky.partition(n, avail)
	}
	return b.byKey(key, n, avail)
}

// PartitionAt is Partition for a message produced at now, which spares
// the sticky path a clock reading of its own. See Timed.
func (b *builtin) PartitionAt(key []byte, n int32, avail Availability, now time.Duration) int32 {
	if b.sticky != nil && b.isSticky(key) {
		if b.sticky.now != nil { // an injected clock (tests) wins over the caller's
			return b.sticky.partition(n, avail)
		}
		return b.sticky.partitionAt(n, avail, now)
	}
	return b.byKey(key, n, avail)
}

// isSticky reports whether a message with key takes the sticky partition.
func (b *builtin) isSticky(key []byte) bool {
	return key == nil || (len(key) == 0 && b.kind == kindConsistentRandom)
}

// byKey is the partitioner function proper, without stickiness.
func (b *builtin) byKey(key []byte, n int32, avail Availability) int32 {
	switch b.kind {
	case kindRandom:
		return b.random(n, avail)
	case kindConsistent:
		return consistentPartition(key, n)
	case kindConsistentRandom:
		if len(key) == 0 {
			return b.random(n, avail)
		}
		return consistentPartition(key, n)
	case kindMurmur2:
		return murmur2Partition(key, n)
	case kindMurmur2Random:
		if key == nil {
			return b.random(n, avail)
		}
		return murmur2Partition(key, n)
	case kindFNV1a:
		return fnv1aPartition(key, n)
	case kindFNV1aRandom:
		if key == nil {
			return b.random(n, avail)
		}
		return fnv1aPartition(key, n)
	case kindMurmur3:
		return murmur3Partition(key, n)
	case kindMurmur3Random:
		if key == nil {
			return b.random(n, avail)
		}
		return murmur3Partition(key, n)
	default: // kindCustom
		return b.custom.Partition(key, n, avail)
	}
}

// random is librdkafka's random partitioner (rd_kafka_msg_partitioner_random):
// a uniform draw; if that partition has no leader, one more draw, used
// whatever it gives.
func (b *builtin) random(n int32, avail Availability) int32 {
	p := b.rand(n)
	if avail != nil && !avail.Available(p) {
		return b.rand(n)
	}
	return p
}
