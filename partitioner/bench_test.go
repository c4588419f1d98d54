package partitioner

import (
	"testing"
	"time"
)

// benchKey is a typical key: a 16-byte identifier.
var benchKey = []byte("user-00001234567")

// benchCases are the partitioners and keys the benchmarks and the
// allocation test run: every partitioner with a key, and with a NULL key
// (which for most of them is the sticky path).
func benchCases() []struct {
	name string
	cfg  Config
	key  []byte
} {
	var cases []struct {
		name string
		cfg  Config
		key  []byte
	}
	for _, name := range allNames {
		cfg := Config{Name: name, StickyLinger: ms(10), BatchSize: 16384, Adaptive: true}
		if name == "custom" {
			cfg.Name = ""
			cfg.Custom = Func(func(key []byte, n int32, _ Availability) int32 { return int32(len(key)) % n })
		}
		for _, k := range []struct {
			what string
			key  []byte
		}{{"key", benchKey}, {"nil", nil}} {
			cases = append(cases, struct {
				name string
				cfg  Config
				key  []byte
			}{name + "/" + k.what, cfg, k.key})
		}
	}
	return cases
}

// loadedCluster answers Availability and Load without allocating.
type loadedCluster struct{}

func (loadedCluster) Available(p int32) bool       { return p%5 != 4 }
func (loadedCluster) QueuedBatches(p int32) int    { return int(p % 3) }
func (loadedCluster) DrainLag(int32) time.Duration { return 0 }

func BenchmarkPartition(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			p := mustNew(b, c.cfg)
			obs, _ := p.(AppendObserver)
			b.ReportAllocs()
			for b.Loop() {
				got := p.Partition(c.key, 64, loadedCluster{})
				if obs != nil {
					obs.OnAppend(c.key, got, 100, false)
				}
			}
		})
	}
}

// BenchmarkPartitionNoSticky is the keyless path with
// sticky.partitioning.linger.ms=0: a random draw per message.
func BenchmarkPartitionNoSticky(b *testing.B) {
	p := mustNew(b, Config{})
	b.ReportAllocs()
	for b.Loop() {
		p.Partition(nil, 64, loadedCluster{})
	}
}

func BenchmarkPartitionParallel(b *testing.B) {
	for _, name := range []string{NameConsistentRandom, NameUniformSticky} {
		b.Run(name+"/nil", func(b *testing.B) {
			p := mustNew(b, Config{Name: name, StickyLinger: ms(10), BatchSize: 16384, Adaptive: true})
			obs, _ := p.(AppendObserver)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					got := p.Partition(nil, 64, loadedCluster{})
					if obs != nil {
						obs.OnAppend(nil, got, 100, false)
					}
				}
			})
		})
	}
}

func BenchmarkHash(b *testing.B) {
	for _, h := range []struct {
		name string
		fn   func([]byte) uint32
	}{{"murmur2", Murmur2}, {"fnv1a", FNV1a}, {"murmur3", Murmur3}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchKey)))
			for b.Loop() {
				h.fn(benchKey)
			}
		})
	}
}

// Choosing a partition allocates nothing, for any partitioner and key,
// including uniform_sticky's switches (the scratch space it needs is
// allocated by the first pick, below, and reused).
func TestPartitionDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are only meaningful in a full run")
	}
	keys := [][]byte{benchKey, {}, nil}
	for _, c := range benchCases() {
		p := mustNew(t, c.cfg)
		obs, _ := p.(AppendObserver)
		i := 0
		step := func() {
			key := keys[i%len(keys)]
			got := p.Partition(key, 64, loadedCluster{})
			if obs != nil {
				obs.OnAppend(key, got, 20000, true) // switch on every append
			}
			i++
		}
		step() // first pick: uniform_sticky sizes its scratch space here
		if allocs := testing.AllocsPerRun(1000, step); allocs != 0 {
			t.Errorf("%s: %v allocations per message, want 0", c.name, allocs)
		}
	}
}
