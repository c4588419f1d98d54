package partitioner

import (
	"sync"
	"testing"
	"time"
)

// newStickyRandom returns librdkafka's default arrangement for keyless
// messages (consistent_random with a 10 ms sticky linger) on the fake
// clock, with its random draws taken from draws in order.
func newStickyRandom(t *testing.T, clock *fakeClock, draws ...int32) (*builtin, *int) {
	t.Helper()
	b := mustNew(t, Config{StickyLinger: ms(10), Now: clock.Now}).(*builtin)
	n := new(int)
	src := seq(draws...)
	b.rand = func(m int32) int32 { *n++; return src(m) }
	return b, n
}

func TestStickyStaysOnePartitionInsideItsWindow(t *testing.T) {
	clock := newFakeClock()
	p, draws := newStickyRandom(t, clock, 5, 2)
	for i := range 1000 {
		if got := p.Partition(nil, 8, allAvailable{}); got != 5 {
			t.Fatalf("message %d at +%v went to %d, want sticky partition 5", i, time.Duration(i)*10*time.Microsecond, got)
		}
		clock.Advance(10 * time.Microsecond) // 1000 messages span exactly the 10 ms linger
	}
	if *draws != 1 {
		t.Errorf("%d random draws inside one window, want 1", *draws)
	}
}

// rd_interval switches only once strictly more than the linger has passed,
// counted in whole microseconds like rd_clock.
func TestStickySwitchesOnceTheLingerHasPassed(t *testing.T) {
	clock := newFakeClock()
	p, draws := newStickyRandom(t, clock, 1, 6, 3)
	steps := []struct {
		advance time.Duration
		want    int32
		draws   int
	}{
		{0, 1, 1},                           // the first keyless message always picks
		{ms(10), 1, 1},                      // exactly the linger: not yet
		{999 * time.Nanosecond, 1, 1},       // less than a microsecond more: not yet
		{time.Nanosecond, 6, 2},             // 10 ms + 1 µs: a new pick
		{ms(10), 6, 2},                      // the window restarts at the pick
		{time.Microsecond, 3, 3},            // ... and ends 10 ms + 1 µs after it
		{ms(1000), 3, 4},                    // a pick may choose the same partition again
		{ms(5), 3, 4},                       //
		{ms(5) + time.Microsecond, 3, 5},    //
		{-ms(30), 3, 5},                     // a clock going backwards does not switch
		{ms(30) + 2*time.Microsecond, 3, 5}, // ... the window counts from the last pick
		{ms(10) - time.Microsecond, 3, 6},   //
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got := p.Partition(nil, 8, allAvailable{})
		if got != s.want || *draws != s.draws {
			t.Fatalf("step %d (+%v): partition %d after %d draws, want %d after %d", i, s.advance, got, *draws, s.want, s.draws)
		}
	}
}

// rd_kafka_msg_sticky_partition: when the sticky partition has no leader
// the interval is expedited and a new partition is picked at once, with the
// random partitioner's one extra draw if the first lands on a leaderless
// partition too.
func TestStickyRechoosesAtOnceWhenItsLeaderIsGone(t *testing.T) {
	clock := newFakeClock()
	p, draws := newStickyRandom(t, clock, 2, 2, 4, 7, 1)
	c := &cluster{}
	if got := p.Partition(nil, 8, c); got != 2 {
		t.Fatalf("first pick = %d, want 2", got)
	}
	c.setDown(2)
	// No time passes: the lost leader alone forces the pick. The first
	// draw (2) is leaderless, so the random partitioner draws again (4).
	if got := p.Partition(nil, 8, c); got != 4 || *draws != 3 {
		t.Fatalf("after partition 2 lost its leader: partition %d after %d draws, want 4 after 3", got, *draws)
	}
	if got := p.Partition(nil, 8, c); got != 4 || *draws != 3 {
		t.Fatalf("next message: partition %d after %d draws, want to stay on 4 with no draw", got, *draws)
	}
	// Both draws leaderless: the second is used anyway, and the message
	// after it finds it leaderless and picks again.
	c.setDown(4, 7, 2)
	src := seq(7, 2, 1)
	p.rand = func(m int32) int32 { *draws++; return src(m) }
	if got := p.Partition(nil, 8, c); got != 2 {
		t.Fatalf("with 4 and then the draw 7 leaderless: partition %d, want the unchecked second draw 2", got)
	}
	if got := p.Partition(nil, 8, c); got != 1 {
		t.Fatalf("2 has no leader either: partition %d, want a new pick (1)", got)
	}
}

// A sticky partition the topic no longer has is re-chosen, never returned.
func TestStickyRechoosesWhenThePartitionCountShrinks(t *testing.T) {
	clock := newFakeClock()
	p, _ := newStickyRandom(t, clock, 7, 1)
	if got := p.Partition(nil, 8, nil); got != 7 {
		t.Fatalf("first pick = %d, want 7", got)
	}
	if got := p.Partition(nil, 4, nil); got != 1 {
		t.Fatalf("with 4 partitions: %d, want a new pick (1)", got)
	}
}

// Concurrent keyless messages share the sticky partition. A message sent
// while another goroutine is switching may still get the old partition, as
// in librdkafka, where producer threads run this under a shared read lock;
// it never gets a third one.
func TestStickyConcurrentUse(t *testing.T) {
	clock := newFakeClock()
	p := mustNew(t, Config{Name: NameRandom, StickyLinger: ms(10), Now: clock.Now})
	const n = 12
	old := p.Partition(nil, n, allAvailable{})
	for round := range 20 {
		clock.Advance(ms(10) + time.Microsecond) // the window ends as the race starts
		var wg sync.WaitGroup
		results := make([][]int32, 8)
		for g := range results {
			wg.Go(func() {
				for range 200 {
					results[g] = append(results[g], p.Partition(nil, n, allAvailable{}))
				}
			})
		}
		wg.Wait()
		current := p.Partition(nil, n, allAvailable{})
		for g, rs := range results {
			for _, r := range rs {
				if r != current && r != old {
					t.Fatalf("round %d: goroutine %d got %d; the old partition was %d, the new one %d", round, g, r, old, current)
				}
			}
		}
		old = current
	}

	// Racing through expiry and leader loss: only valid partitions.
	c := &cluster{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				if i%50 == 0 && g == 0 {
					c.setDown(int32(i/50) % n)
					clock.Advance(ms(3))
				}
				if r := p.Partition(nil, n, c); r < 0 || r >= n {
					t.Errorf("partition %d out of range [0, %d)", r, n)
					return
				}
			}
		})
	}
	wg.Wait()
}
