package wire

// VarintLen returns the width of v as a zigzag-encoded signed varint
// (protobuf sint32), as records encode it.
func VarintLen(v int32) int { return UvarintLen(uint64(uint32((v << 1) ^ (v >> 31)))) }

// VarlongLen returns the width of v as a zigzag-encoded signed varint
// (protobuf sint64), as records encode it.
func VarlongLen(v int64) int { return UvarintLen(uint64((v << 1) ^ (v >> 63))) }

// UvarintLen returns the number of bytes an unsigned varint of u takes.
func UvarintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
