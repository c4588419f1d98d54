package partitioner

import "encoding/binary"

// Murmur3 returns the 32-bit MurmurHash3 (x86_32) of key with seed 0, the
// value github.com/spaolacci/murmur3's Sum32 returns on little-endian
// machines. It backs the murmur3 and murmur3_random partitioners, a kprod
// extension: librdkafka has no murmur3 partitioner.
//
// kprod computes the hash itself rather than calling spaolacci/murmur3:
// that package's Sum32 does uintptr arithmetic that the checkptr
// instrumentation enabled by -race rejects ("pointer arithmetic result
// points to invalid allocation", spaolacci/murmur3 issue #34), which would
// crash every race-enabled test of an application using this partitioner,
// and it reads words in native byte order, so big-endian machines get other
// values. The tests check this function against spaolacci's byte for byte.
func Murmur3(key []byte) uint32 {
	const (
		c1 = 0xcc9e2d51
		c2 = 0x1b873593
	)
	n := len(key)
	var h uint32
	for len(key) >= 4 {
		k := binary.LittleEndian.Uint32(key)
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
		h = h<<13 | h>>19
		h = h*5 + 0xe6546b64
		key = key[4:]
	}
	var k uint32
	switch len(key) {
	case 3:
		k ^= uint32(key[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(key[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(key[0])
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
