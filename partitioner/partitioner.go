package partitioner

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Availability tells a partitioner which partitions currently have a
// leader. The producer implements it per topic. A nil Availability means
// every partition has one.
type Availability interface {
	Available(partition int32) bool
}

// Load is an optional extension of Availability used by the adaptive
// uniform_sticky partitioner: QueuedBatches returns the number of batches
// queued for a partition (Java's per-partition queue size).
type Load interface {
	QueuedBatches(partition int32) int
}

// DrainLag is an optional extension of Availability used by uniform_sticky
// when Config.AvailabilityTimeout is set (Java's
// partitioner.availability.timeout.ms). DrainLag returns how long the
// partition's leader has had batches ready to send that the producer could
// not send to it: Java's readyTimeMs − drainTimeMs for the leader's node.
// It is zero (or negative) while the leader keeps up.
//
// kprod's producer does not implement DrainLag and never sets
// AvailabilityTimeout: it does not track when a broker was last drained,
// and it refuses partitioner.availability.timeout.ms as an unknown
// property, as librdkafka does. The check serves callers that use this
// package with an Availability of their own.
type DrainLag interface {
	DrainLag(partition int32) time.Duration
}

// Partitioner chooses a partition for one message. key is nil for a NULL
// key; []byte{} is an empty, non-NULL key, which librdkafka treats
// differently. numPartitions is at least 1.
//
// The built-in partitioners always return a partition in
// [0, numPartitions). A custom partitioner may return anything; the
// producer fails a message whose partition is out of range with
// __UNKNOWN_PARTITION, as librdkafka does.
//
// Implementations must be safe for concurrent use, must not block, and
// should not allocate: Partition runs once per produced message.
type Partitioner interface {
	Partition(key []byte, numPartitions int32, avail Availability) int32
}

// Timed is implemented by partitioners that keep time, as librdkafka's
// sticky partitioning does. PartitionAt is Partition for a message produced
// at now, a monotonic time measured from any origin the caller keeps fixed:
// the producer passes the reading it already took for the message, so the
// hot path reads the clock once. A caller must use one of Partition and
// PartitionAt throughout, not both.
type Timed interface {
	PartitionAt(key []byte, numPartitions int32, avail Availability, now time.Duration) int32
}

// Func adapts a function to Partitioner.
type Func func(key []byte, numPartitions int32, avail Availability) int32

// Partition calls f.
func (f Func) Partition(key []byte, numPartitions int32, avail Availability) int32 {
	return f(key, numPartitions, avail)
}

// AppendObserver is implemented by partitioners whose choice depends on
// what the producer appended to the partitions they chose. Of the built-in
// partitioners only uniform_sticky implements it. The producer checks for
// it with a type assertion once, when it builds the topic's partitioner.
//
// The producer calls OnAppend once after each record it appends to one of
// the topic's partitions, and at no other time. That includes a record
// produced with an explicit partition, for which Partition was not called,
// and a record produced before the topic's metadata was known, appended
// when it arrives. The arguments are:
//
//   - key: the message's key, nil for a NULL key (what Partition was given
//     when it chose the partition);
//   - partition: the partition the record was appended to;
//   - appendedBytes: how much the partition's queued batch bytes grew: the
//     record's encoded size, uncompressed, plus the batch header when the
//     record opened a new batch (Java's estimatedSizeInBytes delta);
//   - batchFull: whether this append closed one of the partition's batches
//     to further records: the record filled its batch, or did not fit in
//     (or could no longer join) the open batch and started a new one. With
//     accumulator.Append that is res&accumulator.Sealed != 0.
//
// A batch closed outside an append (the sender takes the open batch when
// linger.ms has passed, or on a flush) is not reported. A switch that
// uniform_sticky holds back until its partition's batch is complete then
// waits for a later append that reports batchFull, or for 2 × batch.size
// bytes.
//
// OnAppend must be cheap and safe for concurrent use. It is called on the
// produce path, after the partition's queue lock is released: by the
// goroutine calling Produce, or by the producer's metadata goroutine for
// records that waited for the topic's metadata.
type AppendObserver interface {
	OnAppend(key []byte, partition int32, appendedBytes int, batchFull bool)
}

// Names of the partitioner property values New accepts. The first seven are
// librdkafka's; the rest are kprod extensions.
const (
	NameRandom           = "random"
	NameConsistent       = "consistent"
	NameConsistentRandom = "consistent_random" // librdkafka's default
	NameMurmur2          = "murmur2"
	NameMurmur2Random    = "murmur2_random"
	NameFNV1a            = "fnv1a"
	NameFNV1aRandom      = "fnv1a_random"
	NameMurmur3          = "murmur3"        // extension: not in librdkafka
	NameMurmur3Random    = "murmur3_random" // extension: not in librdkafka
	NameUniformSticky    = "uniform_sticky" // extension: Java's KIP-794 partitioner
)

// Config selects and tunes a partitioner. The producer builds one
// Partitioner per topic from it, so sticky state is per topic.
type Config struct {
	// Name is the partitioner property's value; "" means consistent_random,
	// librdkafka's default.
	Name string

	// StickyLinger is sticky.partitioning.linger.ms as resolved by the
	// producer (librdkafka derives min(900000 ms, 2 × linger.ms) when the
	// property is unset). 0 disables sticky partitioning: keyless messages
	// then go to a random partition each. Not used by uniform_sticky.
	StickyLinger time.Duration

	// BatchSize is batch.size in bytes, which uniform_sticky produces to a
	// partition before it switches. 0 means librdkafka's default, 1000000.
	BatchSize int

	// Adaptive is partitioner.adaptive.partitioning.enable for
	// uniform_sticky: weight the next partition by queue depth. Java's
	// default is true; the zero value here is false, so the producer must
	// pass the resolved value.
	Adaptive bool

	// AvailabilityTimeout is Java's partitioner.availability.timeout.ms for
	// uniform_sticky: with Adaptive, a partition whose leader has not been
	// drained for longer than this is skipped, when the Availability
	// implements DrainLag. 0 turns the check off. The producer leaves it 0
	// (see DrainLag).
	AvailabilityTimeout time.Duration

	// IgnoreKeys is partitioner.ignore.keys for uniform_sticky: keyed
	// messages are spread like keyless ones instead of hashed.
	IgnoreKeys bool

	// Custom is a user partitioner; when set, Name is ignored. As in
	// librdkafka, with StickyLinger > 0 NULL-key messages take the sticky
	// path and Custom is not called for them; empty keys still reach it.
	Custom Partitioner

	// Now is the clock sticky partitioning reads, for tests; nil means the
	// real clock (its monotonic reading).
	Now func() time.Time
}

// maxStickyLinger is the upper bound librdkafka puts on
// sticky.partitioning.linger.ms.
const maxStickyLinger = 900000 * time.Millisecond

// defaultBatchSize is librdkafka's batch.size default.
const defaultBatchSize = 1000000

// ConfigError reports a configuration property whose value New cannot use.
type ConfigError struct {
	Property string // librdkafka's property name, such as "partitioner"
	Value    string // the value as given
	Reason   string // what is allowed, when that helps; may be empty
}

func (e *ConfigError) Error() string {
	s := fmt.Sprintf("invalid value %q for configuration property %q", e.Value, e.Property)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// ValidName reports whether name is a value the partitioner property
// accepts: one of librdkafka's seven names, or one of kprod's extensions
// murmur3, murmur3_random and uniform_sticky. Names are case-sensitive, as
// in librdkafka, and the empty string is not valid (Config.Name "" stands
// for the default, but the property cannot be set to "").
func ValidName(name string) bool {
	if name == NameUniformSticky {
		return true
	}
	_, ok := kindOf(name)
	return ok
}

// New returns a Partitioner for one topic. It fails with a *ConfigError
// naming the property when a value is out of range or unknown, for example
// `invalid value "foo" for configuration property "partitioner"`.
func New(cfg Config) (Partitioner, error) {
	if cfg.StickyLinger < 0 || cfg.StickyLinger > maxStickyLinger {
		return nil, &ConfigError{
			Property: "sticky.partitioning.linger.ms",
			Value:    millis(cfg.StickyLinger),
			Reason:   "must be between 0 and 900000",
		}
	}
	if cfg.Custom != nil {
		return newBuiltin(kindCustom, cfg), nil
	}
	name := cfg.Name
	if name == "" {
		name = NameConsistentRandom
	}
	if name == NameUniformSticky {
		return newUniformSticky(cfg)
	}
	k, ok := kindOf(name)
	if !ok {
		return nil, &ConfigError{Property: "partitioner", Value: cfg.Name}
	}
	return newBuiltin(k, cfg), nil
}

// millis formats d as a property value in milliseconds.
func millis(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return strconv.FormatInt(d.Milliseconds(), 10)
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'g', -1, 64)
}

// randInt32N is the default random source: math/rand/v2's top-level
// functions use per-thread state and take no lock.
func randInt32N(n int32) int32 { return rand.Int32N(n) }
