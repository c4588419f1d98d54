package main

import (
	"fmt"
	"io"
	"math/bits"
	"time"
)

// histogram counts latencies in fixed log-linear buckets (32 per power of
// two, so within about 3%), the idea of HdrHistogram: recording is an
// index computation and an increment, with no allocation. It is owned by
// one goroutine.
type histogram struct {
	buckets [36 << 5]uint64 // values up to 2^40 ns
	count   uint64
	max     time.Duration
}

func bucketOf(v uint64) int {
	shift := max(bits.Len64(v)-6, 0)
	return shift<<5 + int(v>>uint(shift))
}

func bucketLow(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	shift := i>>5 - 1
	return uint64(i-shift<<5) << uint(shift)
}

func (h *histogram) record(d time.Duration) {
	i := min(bucketOf(uint64(max(d, 0))), len(h.buckets)-1)
	h.buckets[i]++
	h.count++
	h.max = max(h.max, d)
}

// quantile returns the latency below which the fraction q of the recorded
// ones fall, or 0 when there are none.
func (h *histogram) quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	want := min(max(uint64(q*float64(h.count)+0.5), 1), h.count)
	var seen uint64
	for i, n := range h.buckets {
		if seen += n; seen >= want {
			lo, hi := bucketLow(i), bucketLow(i+1)
			return min(time.Duration(lo+(hi-lo)/2), h.max)
		}
	}
	return h.max
}

func (h *histogram) reset() { *h = histogram{} }

// stats are the delivery counts and latencies, kept by the goroutine that
// serves delivery reports.
type stats struct {
	delivered, failed int64
	bytes             int64 // key and value bytes delivered
	firstErr          error
	total             histogram // the whole run
	window            histogram // since the last progress line

	lastLine      time.Time
	lastDelivered int64
	lastBytes     int64
}

// progress prints one line: the rates since the last line, messages in
// flight (produced and not yet reported) and the window's p99 latency.
func (s *stats) progress(w io.Writer, now time.Time, elapsed time.Duration, inFlight int) {
	secs := now.Sub(s.lastLine).Seconds()
	fmt.Fprintf(w, "%7.1fs  %9.0f msgs/s  %7.2f MB/s  in flight %7d  p99 %8.2f ms  delivered %d  failed %d\n",
		elapsed.Seconds(),
		float64(s.delivered-s.lastDelivered)/secs,
		float64(s.bytes-s.lastBytes)/secs/1e6,
		inFlight, ms(s.window.quantile(0.99)), s.delivered, s.failed)
	s.lastLine, s.lastDelivered, s.lastBytes = now, s.delivered, s.bytes
	s.window.reset()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
