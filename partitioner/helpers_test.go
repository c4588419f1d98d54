package partitioner

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mustNew(tb testing.TB, cfg Config) Partitioner {
	tb.Helper()
	p, err := New(cfg)
	if err != nil {
		tb.Fatalf("New(%+v): %v", cfg, err)
	}
	return p
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// fakeClock is the injectable clock: it moves only when told to.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// allAvailable says every partition has a leader, without allocating.
type allAvailable struct{}

func (allAvailable) Available(int32) bool { return true }

// cluster is a test Availability with Load and DrainLag: which partitions
// have a leader, how many batches each has queued, and how long each
// leader has gone undrained. The zero value has every partition available.
type cluster struct {
	mu      sync.Mutex
	down    map[int32]bool
	queued  map[int32]int
	lag     map[int32]time.Duration
	checked []int32 // partitions asked about, in order
}

func (c *cluster) Available(p int32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked = append(c.checked, p)
	return !c.down[p]
}

func (c *cluster) QueuedBatches(p int32) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queued[p]
}

func (c *cluster) DrainLag(p int32) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lag[p]
}

func (c *cluster) setDown(ps ...int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = make(map[int32]bool)
	for _, p := range ps {
		c.down[p] = true
	}
}

// availOnly hides the Load and DrainLag methods of a cluster.
type availOnly struct{ c *cluster }

func (a availOnly) Available(p int32) bool { return a.c.Available(p) }

// seq returns a random source that hands out vals in order, then repeats
// the last one.
func seq(vals ...int32) func(int32) int32 {
	var mu sync.Mutex
	i := 0
	return func(n int32) int32 {
		mu.Lock()
		defer mu.Unlock()
		v := vals[min(i, len(vals)-1)]
		i++
		if v >= n {
			panic("test random value out of range")
		}
		return v
	}
}
