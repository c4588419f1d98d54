package partitioner

import (
	"sync"
	"testing"
	"time"
)

// newUniform returns a uniform_sticky partitioner whose random numbers
// (Java's toPositive(nextInt())) come from rs in order, the last repeated.
func newUniform(t *testing.T, cfg Config, rs ...int32) *uniformSticky {
	t.Helper()
	cfg.Name = NameUniformSticky
	u := mustNew(t, cfg).(*uniformSticky)
	if len(rs) > 0 {
		src := seq(rs...)
		u.rand = func() int32 { return src(1 << 30) }
	}
	return u
}

func TestUniformStickyKeys(t *testing.T) {
	u := newUniform(t, Config{BatchSize: 100}, 5)
	if got, want := u.Partition([]byte("kafka"), 6, nil), int32(4); got != want {
		t.Errorf("key \"kafka\" among 6 went to %d, want murmur2's %d", got, want)
	}
	if got, want := u.Partition([]byte{}, 6, nil), int32(0x106e08d9%6); got != want {
		t.Errorf("an empty key went to %d, want the murmur2 hash of \"\" (%d): Java hashes empty keys", got, want)
	}
	if got := u.Partition(nil, 6, nil); got != 5 {
		t.Errorf("a NULL key went to %d, want the sticky partition 5", got)
	}

	ignore := newUniform(t, Config{BatchSize: 100, IgnoreKeys: true}, 3)
	for _, key := range [][]byte{[]byte("kafka"), {}, nil} {
		if got := ignore.Partition(key, 6, nil); got != 3 {
			t.Errorf("with partitioner.ignore.keys, key %s went to %d, want the sticky partition 3", keyString(key), got)
		}
	}
}

// The switch rule of BuiltInPartitioner.updatePartitionInfo: at batch.size
// bytes if the batch is complete, at 2 × batch.size bytes regardless.
func TestUniformStickySwitchesAfterBatchSizeBytes(t *testing.T) {
	steps := []struct {
		what      string
		key       []byte
		bytes     int
		batchFull bool
		want      int32 // the sticky partition afterwards
	}{
		{"below batch.size", nil, 60, false, 1},
		{"below batch.size with a full batch", nil, 39, true, 1},
		{"batch.size reached, batch still open: held back", nil, 1, false, 1},
		{"more, still open", nil, 50, false, 1},
		{"a keyed record adds no bytes", []byte("k"), 5000, false, 1},
		{"the batch completes: switch", nil, 10, true, 2},
		{"2 × batch.size with open batches", nil, 199, false, 2},
		{"... 200 bytes: switch regardless", nil, 1, false, 3},
		{"held back again", nil, 150, false, 3},
		{"the sender took the open batch", nil, 0, true, 4},
		{"held back once more", nil, 120, false, 4},
		{"a keyed record completed the batch", []byte("k"), 30, true, 5},
	}
	u := newUniform(t, Config{BatchSize: 100}, 1, 2, 3, 4, 5)
	p := u.Partition(nil, 8, nil)
	for _, s := range steps {
		u.OnAppend(s.key, p, s.bytes, s.batchFull)
		p = u.Partition(nil, 8, nil)
		if p != s.want {
			t.Fatalf("%s: sticky partition %d, want %d", s.what, p, s.want)
		}
	}
}

func TestUniformStickyIgnoresAppendsElsewhere(t *testing.T) {
	u := newUniform(t, Config{BatchSize: 100}, 1, 2)
	p := u.Partition(nil, 8, nil)
	u.OnAppend(nil, p+1, 1000, true) // a stale report for another partition
	if got := u.Partition(nil, 8, nil); got != p {
		t.Fatalf("after an append to another partition: %d, want still %d", got, p)
	}
	u.OnAppend(nil, p, 100, true)
	if got := u.Partition(nil, 8, nil); got == p {
		t.Fatalf("after batch.size bytes to %d with a full batch: still %d", p, got)
	}
}

func TestUniformStickyBatchSizeDefaultsToLibrdkafkas(t *testing.T) {
	u := newUniform(t, Config{})
	if u.batchSize != 1000000 {
		t.Errorf("BatchSize 0 gives %d bytes, want 1000000", u.batchSize)
	}
}

// Without load statistics the next partition is uniform over the
// partitions with a leader (availablePartitionsForTopic.get(r % count)),
// or over all of them when none has a leader.
func TestUniformStickyPicksAmongPartitionsWithALeader(t *testing.T) {
	c := &cluster{}
	c.setDown(0, 2, 3)
	u := newUniform(t, Config{BatchSize: 1}, 0, 1, 2, 3, 7)
	// Available: 1, 4, 5, 6; r = 0, 1, 2, 3, 7 → 1, 4, 5, 6, 6.
	for i, want := range []int32{1, 4, 5, 6, 6} {
		got := u.Partition(nil, 7, c)
		if got != want {
			t.Fatalf("pick %d: %d, want %d", i, got, want)
		}
		u.OnAppend(nil, got, 1, true)
	}
	c.setDown(0, 1, 2, 3, 4, 5, 6)
	u.rand = func() int32 { return 12 }
	if got := u.Partition(nil, 7, c); got != 12%7 {
		t.Errorf("no partition with a leader: %d, want r %% 7 = %d", got, 12%7)
	}
}

// KIP-794 adaptive partitioning: the example from BuiltInPartitioner's
// comments. Queue sizes 0, 3, 1 give weights 4, 1, 3 and the cumulative
// table 4, 5, 8: r in 0..3 picks partition 0, 4 picks 1, 5..7 pick 2.
func TestUniformStickyAdaptiveWeightsByQueueSize(t *testing.T) {
	c := &cluster{queued: map[int32]int{0: 0, 1: 3, 2: 1}}
	want := []int32{0, 0, 0, 0, 1, 2, 2, 2, 0, 0}
	rs := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 8 + 3}
	u := newUniform(t, Config{BatchSize: 1, Adaptive: true}, rs...)
	for i := range want {
		got := u.Partition(nil, 3, c)
		if got != want[i] {
			t.Fatalf("r = %d: partition %d, want %d", rs[i], got, want[i])
		}
		u.OnAppend(nil, got, 1, true)
	}
}

func TestUniformStickyAdaptiveFallsBackToUniform(t *testing.T) {
	tests := []struct {
		what        string
		n           int32
		c           *cluster
		avail       func(*cluster) Availability
		r           int32
		want        int32
		notAdaptive bool
	}{
		{
			what: "all queue sizes equal, none left out",
			n:    3, c: &cluster{queued: map[int32]int{0: 2, 1: 2, 2: 2}}, r: 4, want: 1,
		},
		{
			what: "fewer than 2 partitions",
			n:    1, c: &cluster{queued: map[int32]int{0: 5}}, r: 4, want: 0,
		},
		{
			what: "adaptive partitioning disabled",
			n:    3, c: &cluster{queued: map[int32]int{0: 0, 1: 3, 2: 1}}, r: 4, want: 1,
			notAdaptive: true,
		},
		{
			what: "the producer reports no queue sizes",
			n:    3, c: &cluster{queued: map[int32]int{0: 0, 1: 3, 2: 1}}, r: 4, want: 1,
			avail: func(c *cluster) Availability { return availOnly{c} },
		},
	}
	for _, tt := range tests {
		u := newUniform(t, Config{BatchSize: 1, Adaptive: !tt.notAdaptive}, tt.r)
		var avail Availability = tt.c
		if tt.avail != nil {
			avail = tt.avail(tt.c)
		}
		if got := u.Partition(nil, tt.n, avail); got != tt.want {
			t.Errorf("%s: r = %d picks %d, want uniform %d", tt.what, tt.r, got, tt.want)
		}
	}
}

// Partitions without a leader are left out of the statistics; so, with
// partitioner.availability.timeout.ms, are partitions with queued batches
// whose leader has not been drained for longer than the timeout. Equal
// sizes still weigh when something was left out.
func TestUniformStickyAdaptiveLeavesOutUnavailablePartitions(t *testing.T) {
	c := &cluster{
		queued: map[int32]int{0: 1, 1: 1, 2: 1, 3: 0, 4: 1},
		lag:    map[int32]time.Duration{1: ms(101), 3: ms(500), 4: ms(100)},
	}
	c.setDown(2)
	// Left: 0 (1 batch), 3 (empty, so its lag is not checked), 4 (lag not
	// over 100 ms). Weights 1, 2, 1; table 1, 3, 4.
	u := newUniform(t, Config{BatchSize: 1, Adaptive: true, AvailabilityTimeout: ms(100)}, 0, 1, 2, 3, 4)
	for i, want := range []int32{0, 3, 3, 4, 0} {
		got := u.Partition(nil, 5, c)
		if got != want {
			t.Fatalf("r = %d: partition %d, want %d", i, got, want)
		}
		u.OnAppend(nil, got, 1, true)
	}

	// Without a timeout, lag is not consulted: 0, 1, 3, 4 with sizes
	// 1, 1, 0, 1 → weights 1, 1, 2, 1 → table 1, 2, 4, 5.
	u = newUniform(t, Config{BatchSize: 1, Adaptive: true}, 0, 1, 2, 3, 4)
	for i, want := range []int32{0, 1, 3, 3, 4} {
		got := u.Partition(nil, 5, c)
		if got != want {
			t.Fatalf("no timeout, r = %d: partition %d, want %d", i, got, want)
		}
		u.OnAppend(nil, got, 1, true)
	}
}

// The adaptive choice favours short queues: over many switches, a
// partition with an empty queue is picked more often than one with a
// long queue, and every partition is picked.
func TestUniformStickyAdaptiveFavoursShortQueues(t *testing.T) {
	c := &cluster{queued: map[int32]int{0: 0, 1: 8, 2: 4, 3: 8}}
	u := newUniform(t, Config{BatchSize: 1, Adaptive: true})
	counts := make([]int, 4)
	for range 13000 {
		p := u.Partition(nil, 4, c)
		counts[p]++
		u.OnAppend(nil, p, 1, true)
	}
	// Weights 9, 1, 5, 1 of 16.
	if !(counts[0] > counts[2] && counts[2] > counts[1] && counts[2] > counts[3]) || counts[1] == 0 || counts[3] == 0 {
		t.Errorf("picks per partition %v, want roughly 9:1:5:1", counts)
	}
}

func TestUniformStickyConcurrentUse(t *testing.T) {
	u := newUniform(t, Config{BatchSize: 500, Adaptive: true})
	c := &cluster{queued: map[int32]int{1: 3, 5: 1}}
	const n = 9
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				var key []byte
				if i%3 == 0 {
					key = []byte{byte(g), byte(i)}
				}
				p := u.Partition(key, n, c)
				if p < 0 || p >= n {
					t.Errorf("partition %d out of range [0, %d)", p, n)
					return
				}
				u.OnAppend(key, p, 40, i%7 == 0)
			}
		})
	}
	wg.Wait()
}
