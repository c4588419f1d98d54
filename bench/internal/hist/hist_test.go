package hist

import (
	"testing"
	"time"
)

func TestBucketsAreContiguous(t *testing.T) {
	for v := uint64(0); v < 1<<20; v++ {
		i := index(v)
		if lo, hi := lowest(i), lowest(i+1); v < lo || v >= hi {
			t.Fatalf("value %d in bucket %d [%d, %d)", v, i, lo, hi)
		}
	}
}

func TestQuantileIsWithinThreePercent(t *testing.T) {
	var h Histogram
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * time.Millisecond}, {0.99, 9900 * time.Microsecond}, {1, 10 * time.Millisecond}} {
		got := h.Quantile(tc.q)
		if diff := float64(got-tc.want) / float64(tc.want); diff > 0.035 || diff < -0.035 {
			t.Errorf("quantile %v: got %v, want %v within 3%%", tc.q, got, tc.want)
		}
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(1000, func() { h.Record(1234567) }); n != 0 {
		t.Errorf("got %v allocations per Record, want 0", n)
	}
}
