package producer_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/partitioner"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// partitionedTopicSize is the partition count of the partitioner tests'
// topics (newCluster's testTopic has the same).
const partitionedTopicSize = 6

// partitionerTestKeys returns the keys the partitioner tests produce: text
// keys (librdkafka's hash test vectors among them), binary keys with zero
// and high bytes, and the empty key []byte{}. The nil key is not among
// them: each test says what it does with it.
func partitionerTestKeys() [][]byte {
	keys := [][]byte{[]byte("kafka"), []byte("giberish123456789"), []byte("1234"), {}}
	for i := range 30 {
		keys = append(keys, fmt.Appendf(nil, "user-%d", i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 30 {
		k := make([]byte, 1+i%17)
		for j := range k {
			k[j] = byte(rng.Uint32())
		}
		keys = append(keys, k)
	}
	return append(keys, []byte{0}, []byte{0, 0, 0, 0}, []byte{0xff, 0xff, 0xff, 0xff}, []byte{0x80, 0, 0, 0, 0x7f})
}

// nilAsEmpty returns key, or the empty key for nil: the partitioners that
// never stick hash a nil key like an empty one.
func nilAsEmpty(key []byte) []byte {
	if key == nil {
		return []byte{}
	}
	return key
}

// crc32Partition is librdkafka's consistent placement computed
// independently of kprod: the IEEE CRC-32 of the key modulo n, unsigned.
func crc32Partition(key []byte, n int32) int32 {
	return int32(crc32.ChecksumIEEE(key) % uint32(n))
}

// javaMurmur2Partition is Java's keyed placement, toPositive(murmur2(key))
// % n, as franz-go's StickyKeyPartitioner computes it by default.
func javaMurmur2Partition(key []byte, n int32) int32 {
	return int32(kgo.StickyKeyPartitioner(nil).ForTopic("").Partition(&kgo.Record{Key: nilAsEmpty(key)}, int(n)))
}

// saramaFNV1aPartition is Sarama's default placement (FNV-1a, negated when
// negative as an int32), which librdkafka's fnv1a partitioner matches, as
// franz-go's SaramaCompatHasher computes it.
func saramaFNV1aPartition(key []byte, n int32) int32 {
	fnv32a := func(b []byte) uint32 {
		h := fnv.New32a()
		h.Write(b)
		return h.Sum32()
	}
	return int32(kgo.SaramaCompatHasher(fnv32a)(key, int(n)))
}

// kprodPartition is the partition kprod's partitioner package computes for
// a key that it places deterministically.
func kprodPartition(t testing.TB, name string, key []byte, n int32) int32 {
	t.Helper()
	part, err := partitioner.New(partitioner.Config{Name: name})
	require.NoError(t, err)
	return part.Partition(key, n, nil)
}

// produceAllReported produces msgs in order, flushes, and returns their
// delivery reports, failing the test on any delivery error.
func produceAllReported(t testing.TB, p *producer.Producer, msgs []*producer.Message) []*producer.Message {
	t.Helper()
	for _, m := range msgs {
		require.NoError(t, p.Produce(m, nil))
	}
	require.Equal(t, 0, p.Flush(30*time.Second))
	reports := pollReports(t, p, len(msgs), 10*time.Second)
	for _, m := range reports {
		require.NoError(t, m.Err, "delivery report for %v", m)
	}
	return reports
}

// consumeTopicsByName reads n records in all from the start of topics with an
// independent client (kgo), failing the test if they do not all arrive, and
// returns them by topic. Like consume, it waits a moment for records beyond
// n, which the caller's exact checks then catch.
func consumeTopicsByName(t testing.TB, c *kfake.Cluster, n int, topics ...string) map[string][]*kgo.Record {
	t.Helper()
	cl := newConsumer(t, c, topics...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out := map[string][]*kgo.Record{}
	got := 0
	for got < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d records of %v, want %d", got, topics, n)
		}
		for _, e := range fs.Errors() {
			t.Logf("fetch error %s[%d]: %v", e.Topic, e.Partition, e.Err)
		}
		for _, r := range fs.Records() {
			out[r.Topic] = append(out[r.Topic], r)
			got++
		}
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	for _, r := range cl.PollFetches(ctx2).Records() {
		out[r.Topic] = append(out[r.Topic], r)
	}
	return out
}

// placementByValue maps each record's value to the partition it is in,
// failing the test if a value is in the log twice.
func placementByValue(t testing.TB, records []*kgo.Record) map[string]int32 {
	t.Helper()
	out := make(map[string]int32, len(records))
	for _, r := range records {
		if p, dup := out[string(r.Value)]; dup {
			t.Fatalf("value %q is in %s twice: partitions %d and %d", r.Value, r.Topic, p, r.Partition)
		}
		out[string(r.Value)] = r.Partition
	}
	return out
}

// distinctPartitions returns the set of partitions the values are in.
func distinctPartitions(placed map[string]int32, values []string) map[int32]bool {
	set := map[int32]bool{}
	for _, v := range values {
		set[placed[v]] = true
	}
	return set
}

func TestPartitionerPlacesKeyedMessagesWhereItsHashSays(t *testing.T) {
	cases := []struct {
		name string // the partitioner property
		// emptyHashed: the empty key is hashed; false means it is treated
		// as no key (consistent_random), which a separate test covers.
		emptyHashed bool
		// nilHashed: the nil key is hashed like the empty key, never sticky.
		nilHashed bool
		// oracle computes the placement independently of kprod; nil for
		// murmur3, a kprod extension without a race-safe reference here.
		oracle func(key []byte, n int32) int32
	}{
		{"consistent", true, true, crc32Partition},
		{"consistent_random", false, false, crc32Partition},
		{"murmur2", true, true, javaMurmur2Partition},
		{"murmur2_random", true, false, javaMurmur2Partition},
		{"fnv1a", true, true, saramaFNV1aPartition},
		{"fnv1a_random", true, false, saramaFNV1aPartition},
		{"murmur3", true, true, nil},
		{"murmur3_random", true, false, nil},
		{"uniform_sticky", true, false, javaMurmur2Partition},
	}
	var topics []string
	for _, tc := range cases {
		topics = append(topics, "keyed-"+tc.name)
	}
	c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, topics...))

	type placed struct {
		key  []byte
		want int32
	}
	want := map[string]map[string]placed{} // topic → value → key and partition
	total := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topic := "keyed-" + tc.name
			p := newProducer(t, c, producer.ConfigMap{"partitioner": tc.name, "linger.ms": 1})
			keys := partitionerTestKeys()
			if tc.nilHashed {
				keys = append(keys, nil)
			}
			var msgs []*producer.Message
			want[topic] = map[string]placed{}
			for round := range 2 { // the same key twice: the same partition twice
				for i, key := range keys {
					if len(key) == 0 && key != nil && !tc.emptyHashed {
						continue
					}
					value := fmt.Sprintf("%s-%d-%d", tc.name, round, i)
					part := kprodPartition(t, tc.name, key, partitionedTopicSize)
					if tc.oracle != nil {
						require.Equal(t, tc.oracle(nilAsEmpty(key), partitionedTopicSize), part,
							"the partitioner package's placement of key %x disagrees with the independent hash", key)
					}
					want[topic][value] = placed{key, part}
					msgs = append(msgs, &producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: key, Value: []byte(value)})
				}
			}
			for _, m := range produceAllReported(t, p, msgs) {
				w := want[topic][string(m.Value)]
				assert.Equal(t, w.want, m.Partition, "reported partition of key %x", w.key)
			}
			total += len(msgs)
		})
	}
	if t.Failed() {
		return
	}
	logs := consumeTopicsByName(t, c, total, topics...)
	for _, topic := range topics {
		require.Len(t, logs[topic], len(want[topic]), "records in %s", topic)
		for _, r := range logs[topic] {
			w, ok := want[topic][string(r.Value)]
			require.True(t, ok, "record %q in %s was never produced", r.Value, topic)
			assert.Equal(t, w.want, r.Partition, "%s: partition of the record with key %x", topic, w.key)
			assert.Equal(t, w.key, r.Key, "%s: key of record %q", topic, r.Value)
		}
	}
}

// keyPlacement is where a nil or empty key must land.
type keyPlacement int32

const (
	// stickyPartition: every such message on one partition, the topic's
	// sticky partition.
	stickyPartition keyPlacement = -1
	// withTheNilKeys: on the nil keys' sticky partition.
	withTheNilKeys keyPlacement = -2
	// spreadRandomly: a random partition per message.
	spreadRandomly keyPlacement = -3
)

// The expected partitions below are librdkafka's reference table for a
// topic of 6 partitions: crc32("") = 0; murmur2("") = 0x106e08d9, and
// 0x106e08d9 % 6 = 3; fnv1a("") = 0x7ee3623b, and 0x7ee3623b % 6 = 3;
// murmur3("") = 0 (kprod extension).
func TestPartitionerTreatsNilAndEmptyKeysAsLibrdkafkaDoes(t *testing.T) {
	cases := []struct {
		desc         string
		name         string
		nilTo, empty keyPlacement
	}{
		{"consistent sends nil and empty keys to partition 0, never sticky", "consistent", 0, 0},
		{"consistent_random keeps nil and empty keys together on the sticky partition", "consistent_random", stickyPartition, withTheNilKeys},
		{"murmur2 hashes a nil key like the empty key, to partition 3", "murmur2", 3, 3},
		{"murmur2_random keeps nil keys sticky and hashes the empty key to partition 3", "murmur2_random", stickyPartition, 3},
		{"fnv1a hashes a nil key like the empty key, to partition 3", "fnv1a", 3, 3},
		{"fnv1a_random keeps nil keys sticky and hashes the empty key to partition 3", "fnv1a_random", stickyPartition, 3},
		{"murmur3 hashes a nil key like the empty key, to partition 0", "murmur3", 0, 0},
		{"murmur3_random keeps nil keys sticky and hashes the empty key to partition 0", "murmur3_random", stickyPartition, 0},
		{"random keeps nil keys sticky and spreads empty keys", "random", stickyPartition, spreadRandomly},
		{"uniform_sticky keeps nil keys on one partition and hashes the empty key like murmur2", "uniform_sticky", stickyPartition, 3},
	}
	var topics []string
	for _, tc := range cases {
		topics = append(topics, "nil-empty-"+tc.name)
	}
	c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, topics...))
	const each = 30
	reported := map[string]map[string]int32{} // topic → value → partition
	total := 0
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			topic := "nil-empty-" + tc.name
			// A sticky linger far longer than the test: one sticky partition throughout.
			p := newProducer(t, c, producer.ConfigMap{"partitioner": tc.name, "sticky.partitioning.linger.ms": 60_000, "linger.ms": 1})
			var msgs []*producer.Message
			var nils, empties []string
			for i := range each {
				n, e := fmt.Sprintf("nil-%d", i), fmt.Sprintf("empty-%d", i)
				nils, empties = append(nils, n), append(empties, e)
				msgs = append(msgs,
					&producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: nil, Value: []byte(n)},
					&producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: []byte{}, Value: []byte(e)})
			}
			placed := map[string]int32{}
			for _, m := range produceAllReported(t, p, msgs) {
				placed[string(m.Value)] = m.Partition
			}
			reported[topic] = placed
			total += len(msgs)

			// The reports are checked here; the log is checked against them below.
			nilParts := distinctPartitions(placed, nils)
			check := func(what string, values []string, want keyPlacement) {
				parts := distinctPartitions(placed, values)
				switch want {
				case stickyPartition:
					assert.Len(t, parts, 1, "%s keys: got partitions %v, want all on one sticky partition", what, parts)
				case withTheNilKeys:
					assert.Equal(t, nilParts, parts, "%s keys: got partitions %v, want the nil keys' sticky partition", what, parts)
				case spreadRandomly:
					// 30 uniform draws over 6 partitions all alike: odds 6^-29.
					assert.Greater(t, len(parts), 1, "%s keys: got partitions %v, want them spread", what, parts)
				default:
					assert.Equal(t, map[int32]bool{int32(want): true}, parts, "%s keys: got partitions %v, want all on %d", what, parts, want)
				}
			}
			check("nil", nils, tc.nilTo)
			check("empty", empties, tc.empty)
		})
	}
	if t.Failed() {
		return
	}
	logs := consumeTopicsByName(t, c, total, topics...)
	for _, topic := range topics {
		assert.Equal(t, reported[topic], placementByValue(t, logs[topic]), "%s: partitions in the log, want those reported", topic)
	}
}

func TestPartitionerSpreadsWhatItDoesNotHash(t *testing.T) {
	cases := []struct {
		desc string
		name string
		conf producer.ConfigMap
		key  []byte
	}{
		{"random spreads keyed messages even with a long sticky linger", "random",
			producer.ConfigMap{"sticky.partitioning.linger.ms": 60_000}, []byte("same-key")},
		{"random spreads nil keys when sticky.partitioning.linger.ms is 0", "random",
			producer.ConfigMap{"sticky.partitioning.linger.ms": 0}, nil},
		{"consistent_random spreads nil keys when sticky.partitioning.linger.ms is 0", "consistent_random",
			producer.ConfigMap{"sticky.partitioning.linger.ms": 0}, nil},
		{"consistent_random spreads empty keys when sticky.partitioning.linger.ms is 0", "consistent_random",
			producer.ConfigMap{"sticky.partitioning.linger.ms": 0}, []byte{}},
		{"murmur2_random spreads nil keys when sticky.partitioning.linger.ms is 0", "murmur2_random",
			producer.ConfigMap{"sticky.partitioning.linger.ms": 0}, nil},
		{"fnv1a_random spreads nil keys when sticky.partitioning.linger.ms is 0", "fnv1a_random",
			producer.ConfigMap{"sticky.partitioning.linger.ms": 0}, nil},
		{"murmur3_random spreads nil keys when sticky.partitioning.linger.ms is 0", "murmur3_random",
			producer.ConfigMap{"sticky.partitioning.linger.ms": 0}, nil},
	}
	var topics []string
	for i := range cases {
		topics = append(topics, fmt.Sprintf("spread-%d", i))
	}
	c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, topics...))
	const n = 60
	var values []string
	for i := range n {
		values = append(values, fmt.Sprint(i))
	}
	total := 0
	for i, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			conf := producer.ConfigMap{"partitioner": tc.name, "linger.ms": 1}
			for k, v := range tc.conf {
				conf[k] = v
			}
			p := newProducer(t, c, conf)
			var msgs []*producer.Message
			for _, v := range values {
				msgs = append(msgs, &producer.Message{Topic: topics[i], Partition: producer.PartitionAny, Key: tc.key, Value: []byte(v)})
			}
			produceAllReported(t, p, msgs)
			total += n
		})
	}
	if t.Failed() {
		return
	}
	logs := consumeTopicsByName(t, c, total, topics...)
	for i, tc := range cases {
		require.Len(t, logs[topics[i]], n, "records of %q", tc.desc)
		parts := distinctPartitions(placementByValue(t, logs[topics[i]]), values)
		// 60 uniform draws over 6 partitions landing on at most 2: odds below 10^-27.
		assert.GreaterOrEqual(t, len(parts), 3, "%s: got partitions %v, want a random one per message", tc.desc, parts)
	}
}

// partitionerCall is one call of a custom partitioner.
type partitionerCall struct {
	key       []byte
	n         int32
	available []bool // avail.Available(i) for every partition; nil when avail was nil
}

// recordingPartitioner returns a custom partitioner that records its calls
// and returns choose(n), and a function returning the calls so far.
func recordingPartitioner(choose func(n int32) int32) (partitioner.Func, func() []partitionerCall) {
	var mu sync.Mutex
	var calls []partitionerCall
	f := partitioner.Func(func(key []byte, n int32, avail partitioner.Availability) int32 {
		c := partitionerCall{key: key, n: n}
		if avail != nil {
			for i := range n {
				c.available = append(c.available, avail.Available(i))
			}
		}
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		return choose(n)
	})
	return f, func() []partitionerCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]partitionerCall(nil), calls...)
	}
}

func TestCustomPartitionerIsCalledAndHonoured(t *testing.T) {
	c := newCluster(t)
	lastPartition := func(n int32) int32 { return n - 1 }
	allAvailable := []bool{true, true, true, true, true, true}

	t.Run("it gets the key, the partition count and availability, and its choice is where the record lands", func(t *testing.T) {
		part, calls := recordingPartitioner(lastPartition)
		p := newProducer(t, c, producer.ConfigMap{"sticky.partitioning.linger.ms": 60_000, "linger.ms": 1}, producer.WithPartitioner(part))
		keys := partitionerTestKeys() // the empty key among them
		var msgs []*producer.Message
		for i, key := range keys {
			msgs = append(msgs, &producer.Message{Topic: testTopic, Partition: producer.PartitionAny, Key: key, Value: fmt.Appendf(nil, "custom-%d", i)})
		}
		for _, m := range produceAllReported(t, p, msgs) {
			assert.Equal(t, int32(partitionedTopicSize-1), m.Partition, "reported partition of key %x", m.Key)
		}
		got := calls()
		require.Len(t, got, len(keys), "one call per keyed message")
		for i, call := range got {
			assert.Equal(t, keys[i], call.key, "call %d's key", i)
			assert.Equal(t, len(keys[i]) == 0, call.key != nil && len(call.key) == 0, "call %d: an empty key must arrive empty, not nil", i)
			assert.Equal(t, int32(partitionedTopicSize), call.n, "call %d's partition count", i)
			assert.Equal(t, allAvailable, call.available, "call %d's availability", i)
		}
		records := consume(t, c, testTopic, len(keys))
		require.Len(t, records, len(keys))
		for _, r := range records {
			assert.Equal(t, int32(partitionedTopicSize-1), r.Partition, "partition of the record with key %x", r.Key)
		}
	})

	t.Run("with sticky partitioning on it never sees a nil key, as in librdkafka", func(t *testing.T) {
		c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, "custom-sticky"))
		part, calls := recordingPartitioner(lastPartition)
		p := newProducer(t, c, producer.ConfigMap{"sticky.partitioning.linger.ms": 60_000, "linger.ms": 1}, producer.WithPartitioner(part))
		var msgs []*producer.Message
		for i := range 20 {
			msgs = append(msgs, &producer.Message{Topic: "custom-sticky", Partition: producer.PartitionAny, Value: fmt.Appendf(nil, "%d", i)})
		}
		msgs = append(msgs, &producer.Message{Topic: "custom-sticky", Partition: producer.PartitionAny, Key: []byte("k"), Value: []byte("keyed")})
		reports := produceAllReported(t, p, msgs)
		got := calls()
		require.Len(t, got, 1, "calls: only the keyed message reaches the custom partitioner")
		assert.Equal(t, []byte("k"), got[0].key)
		sticky := map[int32]bool{}
		for _, m := range reports {
			if m.Key == nil {
				sticky[m.Partition] = true
			}
		}
		assert.Len(t, sticky, 1, "nil-key messages: got partitions %v, want one sticky partition", sticky)
		placed := placementByValue(t, consumeTopicsByName(t, c, len(msgs), "custom-sticky")["custom-sticky"])
		for _, m := range reports {
			assert.Equal(t, m.Partition, placed[string(m.Value)], "partition of %q in the log", m.Value)
		}
		assert.Equal(t, int32(partitionedTopicSize-1), placed["keyed"])
	})

	t.Run("with sticky.partitioning.linger.ms=0 it is called for nil keys too", func(t *testing.T) {
		c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, "custom-nil"))
		part, calls := recordingPartitioner(lastPartition)
		p := newProducer(t, c, producer.ConfigMap{"sticky.partitioning.linger.ms": 0, "linger.ms": 1}, producer.WithPartitioner(part))
		var msgs []*producer.Message
		for i := range 20 {
			msgs = append(msgs, &producer.Message{Topic: "custom-nil", Partition: producer.PartitionAny, Value: fmt.Appendf(nil, "%d", i)})
		}
		produceAllReported(t, p, msgs)
		got := calls()
		require.Len(t, got, 20, "one call per nil-key message")
		for i, call := range got {
			assert.Nil(t, call.key, "call %d: want the nil key as nil", i)
			assert.Equal(t, int32(partitionedTopicSize), call.n)
		}
		records := consumeTopicsByName(t, c, 20, "custom-nil")["custom-nil"]
		require.Len(t, records, 20)
		for _, r := range records {
			assert.Equal(t, int32(partitionedTopicSize-1), r.Partition, "partition of %q", r.Value)
		}
	})

	t.Run("a choice out of range fails the message with ErrUnknownPartition, and the producer goes on", func(t *testing.T) {
		const topic = "custom-out-of-range"
		c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, topic))
		var choice atomic.Int32
		part, _ := recordingPartitioner(func(int32) int32 { return choice.Load() })
		p := newProducer(t, c, producer.ConfigMap{"linger.ms": 1}, producer.WithPartitioner(part))
		// outcome returns Produce's error, or else the delivery report's.
		outcome := func(what string) error {
			t.Helper()
			err := produceRecovering(p, &producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: []byte("k"), Value: []byte(what)})
			var panicked producePanic
			require.False(t, errors.As(err, &panicked), "%s: Produce panicked: %v", what, err)
			if err == nil {
				m := pollReports(t, p, 1, 10*time.Second)[0]
				assert.Equal(t, producer.NotPersisted, m.Status, "%s: status", what)
				return m.Err
			}
			return err
		}

		choice.Store(partitionedTopicSize)
		// Produced before the topic's partitions are known, the message is
		// partitioned when they arrive.
		require.ErrorIs(t, outcome("one past the last partition, before metadata"), producer.ErrUnknownPartition)
		awaitPartitionsKnown(t, p, topic)
		for _, bad := range []int32{partitionedTopicSize, partitionedTopicSize + 100, producer.PartitionAny, -7} {
			choice.Store(bad)
			require.ErrorIs(t, outcome(fmt.Sprintf("partition %d", bad)), producer.ErrUnknownPartition, "the partitioner chose %d", bad)
		}
		assert.Equal(t, 0, p.Len(), "the failed messages must not stay counted")

		choice.Store(partitionedTopicSize - 1)
		m := produceAllReported(t, p, []*producer.Message{{Topic: topic, Partition: producer.PartitionAny, Key: []byte("k"), Value: []byte("in range")}})[0]
		assert.Equal(t, int32(partitionedTopicSize-1), m.Partition)
		records := consumeTopicsByName(t, c, 1, topic)[topic]
		require.Len(t, records, 1, "records in the log: only the message whose partition was in range")
		assert.Equal(t, []byte("in range"), records[0].Value)
		assert.Equal(t, int32(partitionedTopicSize-1), records[0].Partition)
	})
}

// producePanic is what produceRecovering returns when Produce panics.
type producePanic struct{ v any }

func (e producePanic) Error() string { return fmt.Sprintf("panic: %v", e.v) }

// produceRecovering calls Produce and turns a panic into a producePanic, so
// that a test can fail on it instead of taking the test binary down.
func produceRecovering(p *producer.Producer, m *producer.Message) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = producePanic{v}
		}
	}()
	return p.Produce(m, nil)
}

// createPartitionsUpTo raises topic's partition count to n with a CreatePartitions
// request sent by an independent client.
func createPartitionsUpTo(t testing.TB, c *kfake.Cluster, topic string, n int32) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer cl.Close()
	req := kmsg.NewPtrCreatePartitionsRequest()
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic, rt.Count = topic, n
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 5000
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	require.NoError(t, err)
	require.Len(t, resp.Topics, 1)
	require.NoError(t, kerr.ErrorForCode(resp.Topics[0].ErrorCode), "CreatePartitions %s to %d", topic, n)
}

func TestPartitionerUsesTheNewPartitionCountAfterTheTopicGrows(t *testing.T) {
	cases := []struct {
		name   string
		oracle func(key []byte, n int32) int32
	}{
		{"consistent_random", crc32Partition},
		{"murmur2", javaMurmur2Partition},
	}
	for _, tc := range cases {
		t.Run(tc.name+" hashes over 9 partitions once the topic has grown from 3", func(t *testing.T) {
			const topic = "grows"
			c := newCluster(t, kfake.SeedTopics(3, topic))
			p := newProducer(t, c, producer.ConfigMap{
				"partitioner":                        tc.name,
				"topic.metadata.refresh.interval.ms": 200,
				"linger.ms":                          1,
			})
			var keys [][]byte
			moved := 0
			for i := range 40 {
				k := fmt.Appendf(nil, "user-%d", i)
				keys = append(keys, k)
				if tc.oracle(k, 3) != tc.oracle(k, 9) {
					moved++
				}
			}
			require.Greater(t, moved, 10, "keys whose partition changes with the count: too few for the test to mean anything")
			batch := func(prefix string) []*producer.Message {
				var msgs []*producer.Message
				for i, k := range keys {
					msgs = append(msgs, &producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: k, Value: fmt.Appendf(nil, "%s-%d", prefix, i)})
				}
				return msgs
			}
			want := map[string]int32{}
			for _, m := range produceAllReported(t, p, batch("before")) {
				want[string(m.Value)] = tc.oracle(m.Key, 3)
				require.Equal(t, want[string(m.Value)], m.Partition, "before growing: partition of key %s", m.Key)
			}

			createPartitionsUpTo(t, c, topic, 9)
			// Until its next metadata refresh the producer knows 3 partitions and
			// refuses partition 8; the first probe it accepts shows it knows 9.
			waitFor(t, 10*time.Second, "the producer to learn of partition 8", func() bool {
				err := p.Produce(&producer.Message{Topic: topic, Partition: 8, Value: []byte("probe")}, nil)
				if err != nil {
					require.ErrorIs(t, err, producer.ErrUnknownPartition)
					return false
				}
				return true
			})
			require.Equal(t, 0, p.Flush(10*time.Second))
			probe := pollReports(t, p, 1, 5*time.Second)[0]
			require.NoError(t, probe.Err)
			want["probe"] = 8

			for _, m := range produceAllReported(t, p, batch("after")) {
				want[string(m.Value)] = tc.oracle(m.Key, 9)
				require.Equal(t, want[string(m.Value)], m.Partition, "after growing: partition of key %s", m.Key)
			}

			placed := placementByValue(t, consumeTopicsByName(t, c, len(want), topic)[topic])
			assert.Equal(t, want, placed, "partitions in the log")
		})
	}
}
