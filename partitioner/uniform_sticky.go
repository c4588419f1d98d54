package partitioner

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// noSticky is the uniformSticky state with no current partition: the next
// keyless message picks one.
const noSticky = uint64(0xffffffff) << 32

// uniformSticky is the Java client's built-in partitioner (KIP-794,
// BuiltInPartitioner with RecordAccumulator), offered as
// partitioner=uniform_sticky.
//
// Keyed messages go to toPositive(murmur2(key)) % n over all partitions,
// available or not; an empty key is hashed, only a nil key is keyless.
// With IgnoreKeys every message is keyless.
//
// Keyless messages share one sticky partition per topic. The producer
// reports appends through OnAppend; once batch.size bytes have gone to the
// sticky partition and its batch is complete, or 2 × batch.size bytes
// whatever the batch, the partition is dropped and the next keyless message
// picks another (nextPartition). Unlike librdkafka's sticky partitioner,
// time plays no part, and the current partition is kept even when its
// leader goes away: its batches stop draining, fill up, and the switch
// follows from the bytes.
type uniformSticky struct {
	batchSize    uint64
	adaptive     bool
	availTimeout time.Duration
	ignoreKeys   bool
	rand         func() int32 // non-negative, as Java's toPositive(ThreadLocalRandom.nextInt())

	// state packs the sticky partition (high 32 bits, all ones for none)
	// and the bytes produced to it since it was picked (low 32 bits,
	// saturating). Java keeps these in a StickyPartitionInfo object swapped
	// through an AtomicReference; one word needs no allocation.
	state atomic.Uint64

	// mu guards the following, scratch space for the adaptive choice. Only
	// a goroutine picking a new partition takes it, once per batch.size
	// bytes of keyless messages.
	mu    sync.Mutex
	ids   []int32 // candidate partitions
	table []int64 // their queue sizes, then the cumulative frequency table
}

func newUniformSticky(cfg Config) (*uniformSticky, error) {
	bs := cfg.BatchSize
	switch {
	case bs == 0:
		bs = defaultBatchSize
	case bs < 0 || bs > 2147483647:
		return nil, &ConfigError{Property: "batch.size", Value: strconv.Itoa(cfg.BatchSize), Reason: "must be between 1 and 2147483647"}
	}
	if cfg.AvailabilityTimeout < 0 {
		return nil, &ConfigError{Property: "partitioner.availability.timeout.ms", Value: millis(cfg.AvailabilityTimeout), Reason: "must not be negative"}
	}
	u := &uniformSticky{
		batchSize:    uint64(bs),
		adaptive:     cfg.Adaptive,
		availTimeout: cfg.AvailabilityTimeout,
		ignoreKeys:   cfg.IgnoreKeys,
		rand:         randPositive,
	}
	u.state.Store(noSticky)
	return u, nil
}

// randPositive returns a uniform non-negative int32.
func randPositive() int32 { return int32(rand.Uint32() >> 1) }

func packSticky(p int32, produced uint64) uint64 {
	return uint64(uint32(p))<<32 | min(produced, 0xffffffff)
}

func unpackSticky(st uint64) (p int32, produced uint64) {
	return int32(st >> 32), st & 0xffffffff
}

// Partition hashes keyed messages and returns the sticky partition for
// keyless ones, picking one if there is none (Java's
// peekCurrentPartitionInfo). It takes no lock unless it must pick.
func (u *uniformSticky) Partition(key []byte, n int32, avail Availability) int32 {
	if key != nil && !u.ignoreKeys {
		return murmur2Partition(key, n)
	}
	for {
		st := u.state.Load()
		if p, _ := unpackSticky(st); p >= 0 && p < n {
			return p
		}
		p := u.nextPartition(n, avail)
		if u.state.CompareAndSwap(st, packSticky(p, 0)) {
			return p
		}
		// Another goroutine picked first; take its partition.
	}
}

// OnAppend implements AppendObserver: it counts the bytes a keyless record
// added to the sticky partition and drops the partition once enough has
// gone to it (Java's updatePartitionInfo). Keyed records add no bytes, but
// a batch they complete can release a held-back switch, as in Java, where
// the next keyless append finds the queue's batches full.
func (u *uniformSticky) OnAppend(key []byte, partition int32, appendedBytes int, batchFull bool) {
	if key != nil && !u.ignoreKeys {
		if !batchFull {
			return
		}
		appendedBytes = 0
	}
	for {
		st := u.state.Load()
		p, produced := unpackSticky(st)
		if p != partition {
			return // not the sticky partition, or switched concurrently
		}
		produced += uint64(max(appendedBytes, 0))
		next := packSticky(p, produced)
		if produced >= 2*u.batchSize || (produced >= u.batchSize && batchFull) {
			next = noSticky
		}
		if next == st || u.state.CompareAndSwap(st, next) {
			return
		}
	}
}

// nextPartition picks the next sticky partition (Java's nextPartition):
// weighted by queue depth when adaptive partitioning has load statistics,
// otherwise uniform over the partitions with a leader, or over all
// partitions when none has one. It asks about every partition, so it costs
// O(n); it runs once per batch.size bytes of keyless messages.
func (u *uniformSticky) nextPartition(n int32, avail Availability) int32 {
	r := u.rand()
	if u.adaptive {
		if load, ok := avail.(Load); ok {
			u.mu.Lock()
			p, ok := u.weightedLocked(r, n, avail, load)
			u.mu.Unlock()
			if ok {
				return p
			}
		}
	}
	if avail == nil {
		return r % n
	}
	// Java takes availablePartitions.get(r % count); counting first and
	// then walking to that index needs no list.
	var count int32
	for p := range n {
		if avail.Available(p) {
			count++
		}
	}
	if count > 0 {
		k := r % count
		for p := range n {
			if avail.Available(p) {
				if k == 0 {
					return p
				}
				k--
			}
		}
	}
	// None has a leader (or leaders went away between the two passes).
	return r % n
}

// weightedLocked is Java's adaptive choice. It builds what
// RecordAccumulator.partitionReady and updatePartitionLoadStats build on
// every sender pass, but from the producer's counts at the moment of the
// switch: the queue sizes of the partitions that have a leader, less those
// whose leader has not been drained for longer than the availability
// timeout (only partitions with queued batches are checked, as in Java).
// There are no statistics, and the choice is uniform, when the topic has
// fewer than 2 partitions, when no partition is left, or when all queue
// sizes are equal and none was left out. Otherwise each size becomes the
// weight (max+1) − size, the weights a running sum, and r % total picks the
// first partition whose running sum is greater than it.
//
// Java starts adaptive partitioning only once every partition has had a
// batch queued, because it reads sizes from its batch map; the producer
// answers for every partition, so that wait is not needed here.
func (u *uniformSticky) weightedLocked(r, n int32, avail Availability, load Load) (int32, bool) {
	if n < 2 {
		return 0, false
	}
	var lag DrainLag
	if u.availTimeout > 0 {
		lag, _ = avail.(DrainLag)
	}
	ids, sizes := u.ids[:0], u.table[:0]
	for p := range n {
		if avail != nil && !avail.Available(p) {
			continue
		}
		size := int64(max(load.QueuedBatches(p), 0))
		if lag != nil && size > 0 && lag.DrainLag(p) > u.availTimeout {
			continue
		}
		ids = append(ids, p)
		sizes = append(sizes, size)
	}
	u.ids, u.table = ids, sizes
	if len(sizes) == 0 {
		return 0, false
	}
	maxSize, allEqual := sizes[0], true
	for _, s := range sizes[1:] {
		allEqual = allEqual && s == sizes[0]
		maxSize = max(maxSize, s)
	}
	if allEqual && len(sizes) == int(n) {
		return 0, false
	}
	var sum int64
	for i, s := range sizes {
		sum += maxSize + 1 - s
		sizes[i] = sum
	}
	v := int64(r) % sum
	i, found := slices.BinarySearch(sizes, v)
	if found {
		i++ // the first entry strictly greater than v
	}
	return ids[i], true
}
