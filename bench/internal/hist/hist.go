// Package hist is a fixed-bucket, HDR-like latency histogram that records
// without allocating or locking, so that measuring latency does not distort
// the CPU cost being measured.
package hist

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// subBits sets the precision: each power of two is split into 1<<subBits
// buckets, so a recorded value is off by at most 1/32 (about 3%).
const subBits = 5

// numBuckets covers values up to 2^40 ns (about 18 minutes).
const numBuckets = (40-subBits)<<subBits + 2<<subBits

// Histogram counts durations in nanoseconds. Record is safe for concurrent
// use; read the quantiles once recording has stopped.
type Histogram struct {
	buckets [numBuckets]atomic.Uint64
	count   atomic.Uint64
	max     atomic.Int64
}

// index maps v to its bucket: values below 2^(subBits+1) get a bucket each,
// larger ones keep their top subBits+1 significant bits.
func index(v uint64) int {
	shift := max(bits.Len64(v)-(subBits+1), 0)
	return shift<<subBits + int(v>>uint(shift))
}

// lowest returns the smallest value that falls in bucket i.
func lowest(i int) uint64 {
	if i < 2<<subBits {
		return uint64(i)
	}
	shift := i>>subBits - 1
	return uint64(i-shift<<subBits) << uint(shift)
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	i := min(index(v), numBuckets-1)
	h.buckets[i].Add(1)
	h.count.Add(1)
	for {
		m := h.max.Load()
		if int64(v) <= m || h.max.CompareAndSwap(m, int64(v)) {
			return
		}
	}
}

// Count returns the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.count.Load() }

// Max returns the largest recorded duration.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Quantile returns the duration below which the fraction q of recorded
// durations fall (the middle of that bucket), or 0 when none was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	want := uint64(q*float64(n) + 0.5)
	want = min(max(want, 1), n)
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= want {
			lo, hi := lowest(i), lowest(i+1)
			return min(time.Duration(lo+(hi-lo)/2), h.Max())
		}
	}
	return h.Max()
}

// Reset forgets every recorded duration. It must not run concurrently with
// Record.
func (h *Histogram) Reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
	h.count.Store(0)
	h.max.Store(0)
}
