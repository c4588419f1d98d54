//go:build !race

// spaolacci/murmur3's Sum32 crashes under -race (checkptr rejects its
// pointer arithmetic, spaolacci/murmur3 issue #34), so this comparison runs
// only in builds without the race detector. TestMurmur3KnownValues covers
// the race build.

package partitioner

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/spaolacci/murmur3"
)

// Murmur3 must equal spaolacci/murmur3's Sum32 for every key, the value
// systems hashing with that package use, on little-endian machines.
func TestMurmur3MatchesSpaolacci(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("spaolacci/murmur3 reads words in native byte order; its values differ on big-endian machines")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 300)
	for i := range 50000 {
		key := buf[i%7 : i%7+i%293] // unaligned starts too
		for j := range key {
			key[j] = byte(rng.Uint32())
		}
		if got, want := Murmur3(key), murmur3.Sum32(key); got != want {
			t.Fatalf("Murmur3(%x) = %#08x, spaolacci says %#08x", key, got, want)
		}
	}
	if got, want := Murmur3(nil), murmur3.Sum32(nil); got != want {
		t.Fatalf("Murmur3(nil) = %#08x, spaolacci says %#08x", got, want)
	}
}
