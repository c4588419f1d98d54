package deadline

import (
	"testing"
	"time"
)

func TestExpired(t *testing.T) {
	const first = int64(1_000_000_000)
	tests := []struct {
		name    string
		now     int64
		timeout time.Duration
		want    bool
	}{
		{"a message before its timeout has not expired", first + 999, time.Microsecond, false},
		{"a message exactly at its timeout has expired", first + 1000, time.Microsecond, true},
		{"a message past its timeout has expired", first + 1001, time.Microsecond, true},
		{"a timeout of zero never expires", first + int64(time.Hour), 0, false},
		{"a negative timeout never expires", first + int64(time.Hour), -time.Second, false},
		{"a message enqueued after now has not expired", first - 1, time.Nanosecond, false},
	}
	for _, tt := range tests {
		if got := Expired(first, tt.now, tt.timeout); got != tt.want {
			t.Errorf("%s: Expired(%d, %d, %v) = %v, want %v", tt.name, first, tt.now, tt.timeout, got, tt.want)
		}
	}
}

// TestCutoffAndAtAgreeWithExpired: a queue takes the batches appended at or
// before Cutoff, and a request is due at At; both must draw the line where
// Expired does.
func TestCutoffAndAtAgreeWithExpired(t *testing.T) {
	for _, timeout := range []time.Duration{-1, 0, 1, 5, time.Millisecond} {
		for first := int64(-3); first <= 3; first++ {
			for now := first - 2; now <= first+int64(time.Millisecond)+2; now++ {
				exp := Expired(first, now, timeout)
				cutoff, okC := Cutoff(now, timeout)
				at, okA := At(first, timeout)
				if okC != (timeout > 0) || okA != (timeout > 0) {
					t.Fatalf("timeout %v: Cutoff ok %v, At ok %v, want both %v", timeout, okC, okA, timeout > 0)
				}
				if byCutoff := okC && first <= cutoff; byCutoff != exp {
					t.Fatalf("first %d, now %d, timeout %v: by Cutoff %v, Expired %v", first, now, timeout, byCutoff, exp)
				}
				if byAt := okA && now >= at; byAt != exp {
					t.Fatalf("first %d, now %d, timeout %v: by At %v, Expired %v", first, now, timeout, byAt, exp)
				}
				if now > first+12 && now < first+int64(time.Millisecond)-12 {
					now = first + int64(time.Millisecond) - 12 // skip the middle of the long timeout
				}
			}
		}
	}
}
