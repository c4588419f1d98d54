package partitioner

import (
	"errors"
	"sync/atomic"
	"testing"
)

// route is what a partitioner did with one message.
type route string

const (
	routeHashed   route = "hashed"   // a fixed partition, no random draw
	routeRandom   route = "random"   // a fresh draw for every message
	routeSticky   route = "sticky"   // one draw, then the same partition
	routeCallback route = "callback" // the custom partitioner was called
)

// routeOf sends three messages with key through p (a *builtin from New)
// and tells how they were placed, by counting random draws and custom
// calls. The clock does not move, so a sticky partition stays put.
func routeOf(t *testing.T, p Partitioner, customCalls *atomic.Int64, key []byte) route {
	t.Helper()
	b := p.(*builtin)
	var draws atomic.Int64
	next := int32(0)
	b.rand = func(n int32) int32 {
		draws.Add(1)
		next++
		return next % n
	}
	before := customCalls.Load()
	var got []int32
	for range 3 {
		got = append(got, p.Partition(key, 100, allAvailable{}))
	}
	switch calls, d := customCalls.Load()-before, draws.Load(); {
	case calls == 3 && d == 0:
		return routeCallback
	case calls != 0:
		t.Fatalf("custom partitioner called %d times for 3 messages", calls)
	case d == 0:
		if got[0] != got[1] || got[1] != got[2] {
			t.Fatalf("no random draw, yet partitions %v differ", got)
		}
		return routeHashed
	case d == 1:
		if got[0] != got[1] || got[1] != got[2] {
			t.Fatalf("one random draw, yet partitions %v differ", got)
		}
		return routeSticky
	case d == 3:
		return routeRandom
	}
	t.Fatalf("%d random draws for 3 messages (partitions %v)", draws.Load(), got)
	return ""
}

// librdkafka's rd_kafka_msg_partitioner, per partitioner and kind of key
// (reference §2.2): with sticky partitioning on, and with it off.
func TestPartitionersRouteKeysAsLibrdkafka(t *testing.T) {
	tests := []struct {
		name                 string
		nonEmpty, empty, nul route // sticky.partitioning.linger.ms > 0
		nulNoSticky          route // ... = 0 (empty and non-empty keys do not change)
	}{
		{NameRandom, routeRandom, routeRandom, routeSticky, routeRandom},
		{NameConsistent, routeHashed, routeHashed, routeHashed, routeHashed},
		{NameConsistentRandom, routeHashed, routeSticky, routeSticky, routeRandom},
		{NameMurmur2, routeHashed, routeHashed, routeHashed, routeHashed},
		{NameMurmur2Random, routeHashed, routeHashed, routeSticky, routeRandom},
		{NameFNV1a, routeHashed, routeHashed, routeHashed, routeHashed},
		{NameFNV1aRandom, routeHashed, routeHashed, routeSticky, routeRandom},
		{NameMurmur3, routeHashed, routeHashed, routeHashed, routeHashed},
		{NameMurmur3Random, routeHashed, routeHashed, routeSticky, routeRandom},
		{"custom", routeCallback, routeCallback, routeSticky, routeCallback},
	}
	for _, tt := range tests {
		for _, linger := range []int{10, 0} {
			var calls atomic.Int64
			cfg := Config{Name: tt.name, StickyLinger: ms(linger), Now: newFakeClock().Now}
			if tt.name == "custom" {
				cfg.Name = ""
				cfg.Custom = Func(func([]byte, int32, Availability) int32 { calls.Add(1); return 7 })
			}
			emptyWant := tt.empty
			nulWant := tt.nul
			if linger == 0 {
				nulWant = tt.nulNoSticky
				if emptyWant == routeSticky {
					emptyWant = routeRandom
				}
			}
			for _, c := range []struct {
				what string
				key  []byte
				want route
			}{
				{"a non-empty key", []byte("some key"), tt.nonEmpty},
				{"an empty key", []byte{}, emptyWant},
				{"a NULL key", nil, nulWant},
			} {
				// A new partitioner per case, so that stickiness from one
				// case cannot leak into the next.
				p := mustNew(t, cfg)
				if got := routeOf(t, p, &calls, c.key); got != c.want {
					t.Errorf("%s with sticky linger %d ms routes %s %s, want %s", tt.name, linger, c.what, got, c.want)
				}
			}
		}
	}
}

// NULL and empty keys are hashed as zero-length input by the hashing
// partitioners that do not treat them as random.
func TestNullAndEmptyKeysHashAsEmptyInput(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		want int32 // among 1000 partitions
	}{
		{NameConsistent, nil, 0},
		{NameConsistent, []byte{}, 0},
		{NameMurmur2, nil, 0x106e08d9 % 1000},
		{NameMurmur2, []byte{}, 0x106e08d9 % 1000},
		{NameMurmur2Random, []byte{}, 0x106e08d9 % 1000},
		{NameFNV1a, nil, 0x7ee3623b % 1000},
		{NameFNV1a, []byte{}, 0x7ee3623b % 1000},
		{NameFNV1aRandom, []byte{}, 0x7ee3623b % 1000},
		{NameMurmur3, nil, 0},
		{NameMurmur3Random, []byte{}, 0},
	}
	for _, tt := range tests {
		p := mustNew(t, Config{Name: tt.name, StickyLinger: ms(10)})
		if got := p.Partition(tt.key, 1000, nil); got != tt.want {
			t.Errorf("%s puts %s on %d, want %d", tt.name, keyString(tt.key), got, tt.want)
		}
	}
}

// rd_kafka_msg_partitioner_random: if the first draw has no leader, draw
// exactly once more and use that, leader or not.
func TestRandomDrawsOnceMoreWhenLeaderless(t *testing.T) {
	tests := []struct {
		draws     []int32
		want      int32
		wantDraws int
	}{
		{[]int32{4}, 4, 1},    // has a leader: one draw
		{[]int32{3, 5}, 5, 2}, // leaderless, then fine
		{[]int32{3, 3}, 3, 2}, // leaderless twice: used anyway
		{[]int32{3, 6}, 6, 2}, // the second draw is not checked
	}
	for _, tt := range tests {
		c := &cluster{}
		c.setDown(3, 6)
		p := mustNew(t, Config{Name: NameRandom}).(*builtin)
		drawn := 0
		src := seq(tt.draws...)
		p.rand = func(n int32) int32 { drawn++; return src(n) }
		if got := p.Partition([]byte("k"), 8, c); got != tt.want || drawn != tt.wantDraws {
			t.Errorf("draws %v: got partition %d after %d draws, want %d after %d", tt.draws, got, drawn, tt.want, tt.wantDraws)
		}
	}
}

// A custom partitioner gets the key as given (an empty key stays non-nil),
// and its answer is passed on unchecked: the producer fails out-of-range
// partitions with __UNKNOWN_PARTITION, as librdkafka does.
func TestCustomPartitionerSeesKeyAsGiven(t *testing.T) {
	var gotNil, gotEmpty bool
	custom := Func(func(key []byte, n int32, _ Availability) int32 {
		gotNil = key == nil
		gotEmpty = key != nil && len(key) == 0
		return n + 10
	})
	p := mustNew(t, Config{Name: "ignored when Custom is set", Custom: custom, StickyLinger: ms(10)})
	if got := p.Partition([]byte{}, 4, nil); got != 14 || !gotEmpty {
		t.Errorf("empty key: got %d (empty seen: %v), want 14 (true)", got, gotEmpty)
	}
	p = mustNew(t, Config{Custom: custom})
	if got := p.Partition(nil, 4, nil); got != 14 || !gotNil {
		t.Errorf("NULL key without stickiness: got %d (nil seen: %v), want 14 (true)", got, gotNil)
	}
}

func TestNewRejectsBadValuesNamingTheProperty(t *testing.T) {
	tests := []struct {
		cfg      Config
		property string
		message  string
	}{
		{Config{Name: "foo"}, "partitioner", `invalid value "foo" for configuration property "partitioner"`},
		{Config{Name: "Murmur2"}, "partitioner", `invalid value "Murmur2" for configuration property "partitioner"`},
		{Config{StickyLinger: -1}, "sticky.partitioning.linger.ms", `invalid value "-1e-06" for configuration property "sticky.partitioning.linger.ms": must be between 0 and 900000`},
		{Config{StickyLinger: ms(900001)}, "sticky.partitioning.linger.ms", `invalid value "900001" for configuration property "sticky.partitioning.linger.ms": must be between 0 and 900000`},
		{Config{Name: NameUniformSticky, BatchSize: -5}, "batch.size", `invalid value "-5" for configuration property "batch.size": must be between 1 and 2147483647`},
		{Config{Name: NameUniformSticky, AvailabilityTimeout: -ms(1)}, "partitioner.availability.timeout.ms", `invalid value "-1" for configuration property "partitioner.availability.timeout.ms": must not be negative`},
	}
	for _, tt := range tests {
		p, err := New(tt.cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("New(%+v) = %v, %v; want a *ConfigError", tt.cfg, p, err)
			continue
		}
		if ce.Property != tt.property || err.Error() != tt.message {
			t.Errorf("New(%+v) error = %q (property %q), want %q (property %q)", tt.cfg, err, ce.Property, tt.message, tt.property)
		}
	}
}

func TestNewAcceptsEveryValidName(t *testing.T) {
	names := []string{"", NameRandom, NameConsistent, NameConsistentRandom, NameMurmur2, NameMurmur2Random,
		NameFNV1a, NameFNV1aRandom, NameMurmur3, NameMurmur3Random, NameUniformSticky}
	for _, name := range names {
		if _, err := New(Config{Name: name, StickyLinger: ms(900000)}); err != nil {
			t.Errorf("New with partitioner %q: %v", name, err)
		}
		if want := name != ""; ValidName(name) != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, !want, want)
		}
	}
	for _, name := range []string{"foo", "Random", "consistent ", "murmur2,fnv1a", "sticky"} {
		if ValidName(name) {
			t.Errorf("ValidName(%q) = true, want false", name)
		}
	}
}

func TestDefaultIsConsistentRandom(t *testing.T) {
	p := mustNew(t, Config{}).(*builtin)
	if p.kind != kindConsistentRandom {
		t.Errorf("Config{} gives kind %d, want consistent_random (%d)", p.kind, kindConsistentRandom)
	}
	if p.sticky != nil {
		t.Error("Config{} (StickyLinger 0) is sticky, want stickiness off")
	}
}
