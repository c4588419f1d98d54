package partitioner

import (
	"math/rand/v2"
	"testing"
	"time"
)

// allNames lists every partitioner New builds, plus "custom" for a
// Config.Custom one.
var allNames = []string{
	NameRandom, NameConsistent, NameConsistentRandom, NameMurmur2, NameMurmur2Random,
	NameFNV1a, NameFNV1aRandom, NameMurmur3, NameMurmur3Random, NameUniformSticky, "custom",
}

func configFor(name string, linger time.Duration, clock *fakeClock) Config {
	cfg := Config{Name: name, StickyLinger: linger, BatchSize: 64, Adaptive: true, Now: clock.Now}
	if name == "custom" {
		cfg.Name = ""
		cfg.Custom = Func(func(key []byte, n int32, _ Availability) int32 {
			return int32(len(key)) % n
		})
	}
	return cfg
}

// Every partitioner answers within [0, n) for every partition count from 1
// to 1000 and every kind of key, whatever the leaders and queues.
func TestEveryPartitionIsInRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	keys := [][]byte{nil, {}, []byte("kafka"), {0xff, 0xff, 0xff, 0xff}, []byte("a somewhat longer key, 37 bytes long.")}
	for range 20 {
		k := make([]byte, rng.IntN(40))
		for i := range k {
			k[i] = byte(rng.Uint32())
		}
		keys = append(keys, k)
	}
	for _, name := range allNames {
		for _, linger := range []time.Duration{0, ms(5)} {
			clock := newFakeClock()
			p := mustNew(t, configFor(name, linger, clock))
			obs, _ := p.(AppendObserver)
			for n := int32(1); n <= 1000; n++ {
				c := &cluster{queued: map[int32]int{n / 2: 3}}
				c.setDown(n-1, n/3)
				for i, key := range keys {
					got := p.Partition(key, n, c)
					if got < 0 || got >= n {
						t.Fatalf("%s (sticky %v) put key %s among %d partitions on %d", name, linger, keyString(key), n, got)
					}
					if obs != nil {
						obs.OnAppend(key, got, 50, i%2 == 0)
					}
					clock.Advance(ms(1))
				}
			}
		}
	}
}

// The random variants spread keyless messages over every partition over
// time: per message without stickiness, per window with it. So does
// uniform_sticky, per batch.size bytes.
func TestKeylessMessagesSpreadOverAllPartitions(t *testing.T) {
	const n = 8
	const picks = 4000
	for _, name := range []string{NameRandom, NameConsistentRandom, NameMurmur2Random, NameFNV1aRandom, NameMurmur3Random, NameUniformSticky} {
		for _, linger := range []time.Duration{0, ms(10)} {
			clock := newFakeClock()
			p := mustNew(t, configFor(name, linger, clock))
			obs, _ := p.(AppendObserver)
			counts := make([]int, n)
			for range picks {
				got := p.Partition(nil, n, allAvailable{})
				counts[got]++
				if obs != nil {
					obs.OnAppend(nil, got, 64, true)
				}
				clock.Advance(ms(10) + time.Microsecond) // every message in a new window
			}
			for part, c := range counts {
				// Expect 500 each; 350 is over 6 standard deviations below.
				if c < 350 {
					t.Errorf("%s (sticky %v): partition %d got %d of %d keyless messages: %v", name, linger, part, c, picks, counts)
					break
				}
			}
		}
	}
}

// Keyed messages do not move with time, stickiness or load.
func TestKeyedPlacementIsStable(t *testing.T) {
	for _, name := range allNames {
		if name == NameRandom {
			continue
		}
		clock := newFakeClock()
		p := mustNew(t, configFor(name, ms(10), clock))
		key := []byte("order-1234")
		want := p.Partition(key, 31, allAvailable{})
		for i := range 100 {
			clock.Advance(ms(7))
			c := &cluster{queued: map[int32]int{int32(i % 31): i}}
			if got := p.Partition(key, 31, c); got != want {
				t.Fatalf("%s moved key %q from %d to %d", name, key, want, got)
			}
		}
	}
}

// FuzzPartitionInRange checks the range property and the hashes' agreement
// with the partition functions on arbitrary keys and counts.
func FuzzPartitionInRange(f *testing.F) {
	f.Add([]byte("kafka"), int32(6), false)
	f.Add([]byte{}, int32(1), false)
	f.Add([]byte(nil), int32(1000), true)
	f.Add([]byte{0x80, 0, 0, 0}, int32(1<<20), false)
	parts := make(map[string]Partitioner)
	for _, name := range allNames {
		parts[name] = mustNew(f, configFor(name, ms(10), newFakeClock()))
	}
	f.Fuzz(func(t *testing.T, key []byte, n int32, null bool) {
		if n < 1 {
			return
		}
		// uniform_sticky asks about every partition when it switches, as
		// Java builds its statistics over every partition: keep n to sizes
		// a topic can have.
		n = min(n, 1<<20)
		if null {
			key = nil
		}
		for name, p := range parts {
			if got := p.Partition(key, n, allAvailable{}); got < 0 || got >= n {
				t.Fatalf("%s put key %s among %d partitions on %d", name, keyString(key), n, got)
			}
		}
		if got, want := murmur2Partition(key, n), int32(int64(Murmur2(key)&0x7fffffff)%int64(n)); got != want {
			t.Fatalf("murmur2 partition %d, want %d", got, want)
		}
	})
}
