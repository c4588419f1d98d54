package wire

// VarintLen returns the number of bytes AppendVarint uses for v.
func VarintLen(v int32) int { return UvarintLen(uint64(uint32((v << 1) ^ (v >> 31)))) }

// VarlongLen returns the number of bytes AppendVarlong uses for v.
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

// AppendVarint appends v as a zigzag-encoded signed varint (protobuf sint32).
func AppendVarint(dst []byte, v int32) []byte {
	return AppendUvarint(dst, uint64(uint32((v<<1)^(v>>31))))
}

// AppendVarlong appends v as a zigzag-encoded signed varint (protobuf sint64).
func AppendVarlong(dst []byte, v int64) []byte {
	return AppendUvarint(dst, uint64((v<<1)^(v>>63)))
}

// AppendUvarint appends u as an unsigned base-128 varint.
func AppendUvarint(dst []byte, u uint64) []byte {
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}
