package partitioner

import (
	"hash/crc32"
	"hash/fnv"
	"math/rand/v2"
	"testing"
)

// Expected values from librdkafka's own unit tests (src/rdmurmur2.c and
// src/rdfnv1a.c): the keys are C strings, some started at an offset so the
// C code takes its unaligned path.
func TestMurmur2MatchesLibrdkafkaUnitTest(t *testing.T) {
	const shortUnaligned = "1234"
	const unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs"
	tests := []struct {
		key  []byte
		want uint32
	}{
		{[]byte("kafka"), 0xd067cf64},
		{[]byte("giberish123456789"), 0x8f552b0c},
		{[]byte(shortUnaligned), 0x9fc97b14},
		{[]byte(shortUnaligned[1:]), 0xe7c009ca},
		{[]byte(shortUnaligned[2:]), 0x873930da},
		{[]byte(shortUnaligned[3:]), 0x5a4b5ca1},
		{[]byte(unaligned), 0x78424f1c},
		{[]byte(unaligned[1:]), 0x4a62b377},
		{[]byte(unaligned[2:]), 0xe0e4e09e},
		{[]byte(unaligned[3:]), 0x62b8b43f},
		{[]byte{}, 0x106e08d9},
		{nil, 0x106e08d9},
	}
	for _, tt := range tests {
		if got := Murmur2(tt.key); got != tt.want {
			t.Errorf("Murmur2(%q) = %#08x, want %#08x", tt.key, got, tt.want)
		}
	}
}

// Expected values from Kafka's UtilsTest.testMurmur2, which compares
// Utils.murmur2 (a Java int) with them.
func TestMurmur2MatchesJavaUtilsTest(t *testing.T) {
	tests := []struct {
		key  []byte
		want int32
	}{
		{[]byte("21"), -973932308},
		{[]byte("foobar"), -790332482},
		{[]byte("a-little-bit-long-string"), -985981536},
		{[]byte("a-little-bit-longer-string"), -1486304829},
		{[]byte("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971},
		{[]byte{'a', 'b', 'c'}, 479470107},
	}
	for _, tt := range tests {
		if got := int32(Murmur2(tt.key)); got != tt.want {
			t.Errorf("int32(Murmur2(%q)) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

func TestFNV1aMatchesLibrdkafkaUnitTest(t *testing.T) {
	const shortUnaligned = "1234"
	const unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs"
	tests := []struct {
		key  []byte
		want uint32
	}{
		{[]byte("kafka"), 0xd33c4e1},
		{[]byte("giberish123456789"), 0x77a58295},
		{[]byte(shortUnaligned), 0x23bdd03},
		{[]byte(shortUnaligned[1:]), 0x2dea3cd2},
		{[]byte(shortUnaligned[2:]), 0x740fa83e},
		{[]byte(shortUnaligned[3:]), 0x310ca263},
		{[]byte(unaligned), 0x65cbd69c},
		{[]byte(unaligned[1:]), 0x6e49c79a},
		{[]byte(unaligned[2:]), 0x69eed356},
		{[]byte(unaligned[3:]), 0x6abcc023},
		{[]byte{}, 0x7ee3623b},
		{nil, 0x7ee3623b},
	}
	for _, tt := range tests {
		if got := FNV1a(tt.key); got != tt.want {
			t.Errorf("FNV1a(%q) = %#08x, want %#08x", tt.key, got, tt.want)
		}
	}
}

// FNV1a must be Go's FNV-1a with librdkafka's (and Sarama's) negation of a
// negative int32 result, including the wrap of math.MinInt32 onto itself.
func TestFNV1aMatchesHashFNVWithAbs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		key := make([]byte, i%67)
		for j := range key {
			key[j] = byte(rng.Uint32())
		}
		h := fnv.New32a()
		h.Write(key)
		s := int32(h.Sum32())
		if s < 0 {
			s = -s
		}
		if got, want := FNV1a(key), uint32(s); got != want {
			t.Fatalf("FNV1a(%x) = %#08x, want %#08x", key, got, want)
		}
	}
}

// The table in the reference (§2.1): hashes and partitions for 6 partitions.
func TestHashesMatchReferenceTable(t *testing.T) {
	tests := []struct {
		key        string
		murmur2    uint32
		murmur2P   int32
		fnv1a, crc uint32
		crcP       int32
	}{
		{"kafka", 0xd067cf64, 4, 0x0d33c4e1, 0x5bbc7517, 5},
		{"giberish123456789", 0x8f552b0c, 2, 0x77a58295, 0x7b3a8e3f, 5},
		{"1234", 0x9fc97b14, 0, 0x023bdd03, 0x9be3e0a3, 1},
		{"", 0x106e08d9, 3, 0x7ee3623b, 0, 0},
	}
	for _, tt := range tests {
		key := []byte(tt.key)
		if got := Murmur2(key); got != tt.murmur2 {
			t.Errorf("Murmur2(%q) = %#08x, want %#08x", tt.key, got, tt.murmur2)
		}
		if got := murmur2Partition(key, 6); got != tt.murmur2P {
			t.Errorf("murmur2 partition of %q among 6 = %d, want %d", tt.key, got, tt.murmur2P)
		}
		if got := FNV1a(key); got != tt.fnv1a {
			t.Errorf("FNV1a(%q) = %#08x, want %#08x", tt.key, got, tt.fnv1a)
		}
		if got := crc32.ChecksumIEEE(key); got != tt.crc {
			t.Errorf("crc32(%q) = %#08x, want %#08x", tt.key, got, tt.crc)
		}
		if got := consistentPartition(key, 6); got != tt.crcP {
			t.Errorf("consistent partition of %q among 6 = %d, want %d", tt.key, got, tt.crcP)
		}
	}
}

// Published MurmurHash3 x86_32 values for seed 0 (SMHasher's reference
// implementation; the same values appear in most ports' tests).
func TestMurmur3KnownValues(t *testing.T) {
	tests := []struct {
		key  string
		want uint32
	}{
		{"", 0},
		{"\x00", 0x514e28b7},
		{"\x00\x00", 0x30f4c306},
		{"\x00\x00\x00", 0x85f0b427},
		{"\x00\x00\x00\x00", 0x2362f9de},
		{"\xff\xff\xff\xff", 0x76293b50},
		{"!Ce\x87", 0xf55b516b},
		{"!Ce", 0x7e4a8634},
		{"!C", 0xa0f7b07a},
		{"!", 0x72661cf4},
		{"abc", 0xb3dd93fa},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0xee925b90},
		{"hello", 0x248bfa47},
		{"The quick brown fox jumps over the lazy dog", 0x2e4ff723},
	}
	for _, tt := range tests {
		if got := Murmur3([]byte(tt.key)); got != tt.want {
			t.Errorf("Murmur3(%q) = %#08x, want %#08x", tt.key, got, tt.want)
		}
	}
	if got := Murmur3(nil); got != 0 {
		t.Errorf("Murmur3(nil) = %#08x, want 0", got)
	}
}

// The partitions librdkafka's integration test 0048-partitioner expects,
// for its 7- and 17-partition topics: NULL, "", "23456", a long string and
// "hejsan". -1 means random (or sticky).
func TestPartitionersMatchLibrdkafkaTest0048(t *testing.T) {
	keys := [][]byte{nil, {}, []byte("23456"), []byte("this is another string with more length to it perhaps"), []byte("hejsan")}
	for _, n := range []uint32{7, 17} {
		tests := []struct {
			name string
			want []int64
		}{
			{NameConsistent, []int64{0, 0, int64(0xb1b451d7 % n), int64(0xb0150df7 % n), int64(0xd077037e % n)}},
			{NameConsistentRandom, []int64{-1, -1, int64(0xb1b451d7 % n), int64(0xb0150df7 % n), int64(0xd077037e % n)}},
			{NameMurmur2, []int64{int64(0x106e08d9 % n), int64(0x106e08d9 % n), int64(0x058d780f % n), int64(0x4f7703da % n), int64(0x5ec19395 % n)}},
			{NameMurmur2Random, []int64{-1, int64(0x106e08d9 % n), int64(0x058d780f % n), int64(0x4f7703da % n), int64(0x5ec19395 % n)}},
			{NameFNV1a, []int64{int64(0x7ee3623b % n), int64(0x7ee3623b % n), int64(0x27e6f469 % n), int64(0x155e3e5f % n), int64(0x17b1e27a % n)}},
			{NameFNV1aRandom, []int64{-1, int64(0x7ee3623b % n), int64(0x27e6f469 % n), int64(0x155e3e5f % n), int64(0x17b1e27a % n)}},
		}
		for _, tt := range tests {
			// 0048 runs with sticky.partitioning.linger.ms=0; stickiness
			// must not change a deterministic answer either.
			for _, linger := range []int{0, 10} {
				p := mustNew(t, Config{Name: tt.name, StickyLinger: ms(linger)})
				for i, key := range keys {
					if tt.want[i] < 0 {
						continue
					}
					if got := p.Partition(key, int32(n), nil); int64(got) != tt.want[i] {
						t.Errorf("%s (sticky %d ms) put key #%d %q among %d on %d, want %d", tt.name, linger, i, key, n, got, tt.want[i])
					}
				}
			}
		}
	}
}
