package stats

import (
	"math"
	"testing"
)

func TestBucketsCoverEveryValueOnce(t *testing.T) {
	// Every value maps to a bucket whose highest value is at least it and
	// within 1/16 of it, and buckets are in value order.
	prev := -1
	for _, v := range []int64{0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 12345, 1 << 20, 1<<30 + 7, maxTracked} {
		b := bucketOf(v)
		if b < prev || b >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, after %d (of %d buckets)", v, b, prev, numBuckets)
		}
		prev = b
		hi := bucketValue(b)
		if hi < v || float64(hi-v) > float64(v)/subCount {
			t.Fatalf("bucket of %d holds up to %d, want at least %d and within 1/16", v, hi, v)
		}
		if b > 0 && bucketValue(b-1) >= v {
			t.Fatalf("bucket below %d's holds up to %d", v, bucketValue(b-1))
		}
	}
	if got := bucketOf(maxTracked); got != numBuckets-1 {
		t.Fatalf("bucketOf(maxTracked) = %d, want the last bucket %d", got, numBuckets-1)
	}
}

func TestWindowSummary(t *testing.T) {
	tests := []struct {
		name    string
		samples []int64
		want    Summary
	}{
		{"an empty window is all zeros", nil, Summary{}},
		{"one sample is every figure", []int64{7}, Summary{Min: 7, Max: 7, Avg: 7, Sum: 7, P50: 7, P75: 7, P90: 7, P95: 7, P99: 7, P99_99: 7, Cnt: 1}},
		{"small values are exact", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			Summary{Min: 1, Max: 10, Avg: 6, Sum: 55, Stddev: 3, P50: 5, P75: 8, P90: 9, P95: 10, P99: 10, P99_99: 10, Cnt: 10}},
		{"a value past the range counts out of range", []int64{3, maxTracked + 1},
			Summary{Min: 3, Max: maxTracked + 1, Avg: int64(math.Round(float64(maxTracked+4) / 2)), Sum: maxTracked + 4,
				Stddev: int64(math.Round(float64(maxTracked-2) / 2)), P50: 3, P75: 3, P90: 3, P95: 3, P99: 3, P99_99: 3, OutOfRange: 1, Cnt: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w Window
			for _, v := range tt.samples {
				w.Add(v)
			}
			got := w.Roll()
			tt.want.HdrSize = got.HdrSize
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if (got.HdrSize > 0) != (got.Cnt > 0) {
				t.Fatalf("hdrsize %d with %d samples: want the histogram's size, or 0 for an empty window", got.HdrSize, got.Cnt)
			}
			if again := w.Summary(); again.Cnt != 0 || again.Max != 0 {
				t.Fatalf("after Roll got %+v, want an empty window", again)
			}
		})
	}
}

func TestWindowPercentilesWithinOneSixteenth(t *testing.T) {
	var w Window
	for v := int64(1); v <= 100000; v++ {
		w.Add(v)
	}
	s := w.Summary()
	for name, c := range map[string]struct{ got, want int64 }{
		"p50": {s.P50, 50000}, "p75": {s.P75, 75000}, "p90": {s.P90, 90000},
		"p95": {s.P95, 95000}, "p99": {s.P99, 99000}, "p99_99": {s.P99_99, 99990},
	} {
		if c.got < c.want || float64(c.got-c.want) > float64(c.want)/subCount {
			t.Errorf("%s = %d, want %d to within 1/16 above", name, c.got, c.want)
		}
	}
	if s.Avg != 50001 || s.Stddev != 28868 {
		t.Errorf("avg %d stddev %d, want 50001 and 28868", s.Avg, s.Stddev)
	}
}
