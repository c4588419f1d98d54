package partitioner

import (
	"encoding/binary"
	"hash/crc32"
)

// Murmur2 returns the 32-bit MurmurHash2 of key exactly as librdkafka's
// rd_murmur2 and Java's Utils.murmur2 compute it: the endian-neutral
// variant (words read little-endian), seed 0x9747b28c. A nil key hashes
// like an empty one, to 0x106e08d9.
func Murmur2(key []byte) uint32 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	h := uint32(seed) ^ uint32(len(key))
	for len(key) >= 4 {
		k := binary.LittleEndian.Uint32(key)
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		key = key[4:]
	}
	switch len(key) {
	case 3:
		h ^= uint32(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// FNV1a returns librdkafka's rd_fnv1a of key: 32-bit FNV-1a, then, read as
// an int32, negated when negative (as Sarama's NewHashPartitioner does).
// math.MinInt32 stays as it is, 0x80000000, as in librdkafka and Sarama.
// A nil key hashes like an empty one, to 0x7ee3623b.
func FNV1a(key []byte) uint32 {
	const (
		offset = 0x811c9dc5
		prime  = 0x01000193
	)
	h := uint32(offset)
	for _, c := range key {
		h ^= uint32(c)
		h *= prime
	}
	if s := int32(h); s < 0 {
		h = uint32(-s)
	}
	return h
}

// consistentPartition is librdkafka's consistent partitioner: the IEEE
// CRC-32 of the key modulo the partition count, unsigned. NULL and empty
// keys have CRC 0 and go to partition 0.
func consistentPartition(key []byte, n int32) int32 {
	return int32(crc32.ChecksumIEEE(key) % uint32(n))
}

// murmur2Partition is librdkafka's murmur2 partitioner and Java's keyed
// placement: the hash with its sign bit cleared (Utils.toPositive), modulo
// the partition count.
func murmur2Partition(key []byte, n int32) int32 {
	return int32((Murmur2(key) & 0x7fffffff) % uint32(n))
}

// fnv1aPartition is librdkafka's fnv1a partitioner.
func fnv1aPartition(key []byte, n int32) int32 {
	return int32(FNV1a(key) % uint32(n))
}

// murmur3Partition is kprod's murmur3 partitioner: the hash with its sign
// bit cleared, modulo the partition count, like murmur2.
func murmur3Partition(key []byte, n int32) int32 {
	return int32((Murmur3(key) & 0x7fffffff) % uint32(n))
}
