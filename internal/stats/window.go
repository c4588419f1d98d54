package stats

import (
	"math"
	"math/bits"
	"unsafe"
)

// Summary is one window's figures, with librdkafka's fourteen keys: every
// value in the window's unit, rounded to an integer. An empty window is all
// zeros. Its field order matches producer.WindowStats, which converts from
// it.
type Summary struct {
	Min        int64 `json:"min"`
	Max        int64 `json:"max"`
	Avg        int64 `json:"avg"`
	Sum        int64 `json:"sum"`
	Stddev     int64 `json:"stddev"`
	P50        int64 `json:"p50"`
	P75        int64 `json:"p75"`
	P90        int64 `json:"p90"`
	P95        int64 `json:"p95"`
	P99        int64 `json:"p99"`
	P99_99     int64 `json:"p99_99"`
	OutOfRange int64 `json:"outofrange"`
	HdrSize    int64 `json:"hdrsize"`
	Cnt        int64 `json:"cnt"`
}

// subBits is how many bits of a value a bucket keeps below its leading one:
// 16 buckets per power of two, so a percentile is within 1/16 (6.25%) of
// the true value, as librdkafka's HDR histograms keep two significant
// digits.
const subBits = 4

const subCount = 1 << subBits

// maxShift bounds the values the buckets cover: below 2^(maxShift+subBits+1),
// about 2.2e12 (25 days in microseconds). Larger values count in the
// window's cnt, sum, min and max, and as outofrange.
const maxShift = 36

const numBuckets = subCount + (maxShift+1)*subCount

// maxTracked is the largest value that has a bucket.
const maxTracked = int64(1)<<(maxShift+subBits+1) - 1

// Window is a fixed-memory log-linear histogram of non-negative integer
// samples (latencies, sizes, counts) between two emits of the statistics.
// It is not safe for concurrent use: its owner locks around it.
type Window struct {
	cnt, sum   int64
	min, max   int64
	sumSq      float64
	outOfRange int64
	buckets    [numBuckets]uint32
}

// bucketOf returns the bucket of v: values below subCount have one each;
// above, each power of two is split into subCount equal parts.
func bucketOf(v int64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - subBits - 1
	return subCount + shift*subCount + int(v>>shift) - subCount
}

// bucketValue returns the highest value bucket i holds, so that a
// percentile never understates.
func bucketValue(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	shift := (i - subCount) / subCount
	mant := int64(subCount + (i-subCount)%subCount)
	return (mant+1)<<shift - 1
}

// Add records one sample; a negative one counts as 0.
func (w *Window) Add(v int64) {
	v = max(v, 0)
	if w.cnt == 0 || v < w.min {
		w.min = v
	}
	if v > w.max {
		w.max = v
	}
	w.cnt++
	w.sum += v
	w.sumSq += float64(v) * float64(v)
	if v > maxTracked {
		w.outOfRange++
		return
	}
	w.buckets[bucketOf(v)]++
}

// Summary returns the window's figures; percentiles are clamped to the
// window's minimum and maximum.
func (w *Window) Summary() Summary {
	var s Summary
	if w.cnt == 0 {
		return s // an empty window is all zeros, as librdkafka's
	}
	s.HdrSize = int64(unsafe.Sizeof(w.buckets))
	s.Cnt, s.Sum, s.Min, s.Max, s.OutOfRange = w.cnt, w.sum, w.min, w.max, w.outOfRange
	mean := float64(w.sum) / float64(w.cnt)
	s.Avg = int64(math.Round(mean))
	s.Stddev = int64(math.Round(math.Sqrt(max(w.sumSq/float64(w.cnt)-mean*mean, 0))))
	qs := [...]float64{50, 75, 90, 95, 99, 99.99}
	out := [...]*int64{&s.P50, &s.P75, &s.P90, &s.P95, &s.P99, &s.P99_99}
	tracked := w.cnt - w.outOfRange
	for k, q := range qs {
		if tracked == 0 {
			*out[k] = w.max
			continue
		}
		want := int64(math.Ceil(q / 100 * float64(tracked)))
		want = max(want, 1)
		var seen int64
		for i, n := range w.buckets {
			seen += int64(n)
			if seen >= want {
				*out[k] = min(max(bucketValue(i), w.min), w.max)
				break
			}
		}
	}
	return s
}

// Empty returns the figures of a window with no samples.
func Empty() Summary {
	var w Window
	return w.Summary()
}

// Reset empties the window, as librdkafka rolls its windows over at each
// emit.
func (w *Window) Reset() { *w = Window{} }

// Roll returns the window's figures and resets it.
func (w *Window) Roll() Summary {
	s := w.Summary()
	w.Reset()
	return s
}
