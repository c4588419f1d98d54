package wire

// Header is a record header as it goes on the wire: a non-null key and a
// value that may be null (nil).
type Header struct {
	Key   string
	Value []byte
}

// HeaderLike is satisfied by any struct type with Header's layout, so that a
// public package can declare its own header type and still hand a slice of it
// to the encoder without copying. accumulator.HeaderLike has the same type
// set, so a type parameter constrained by it satisfies this one.
type HeaderLike interface {
	~struct {
		Key   string
		Value []byte
	}
}

// RecordOverhead is the most a v2 record adds to its key, value and headers:
// the length, attributes, timestamp delta, offset delta, key length, value
// length and header count fields at their widest. librdkafka uses the same
// bound to reject oversized messages before they are queued.
const RecordOverhead = 5 + 1 + 10 + 5 + 5 + 5 + 5 // 36

// HeadersLen returns the encoded size of headers, the count varint excluded.
func HeadersLen[H HeaderLike](headers []H) int {
	n := 0
	for i := range headers {
		h := Header(headers[i])
		n += VarintLen(int32(len(h.Key))) + len(h.Key)
		if h.Value == nil {
			n += VarintLen(-1)
		} else {
			n += VarintLen(int32(len(h.Value))) + len(h.Value)
		}
	}
	return n
}

// bytesLen is the encoded size of a nullable byte field.
func bytesLen(b []byte) int {
	if b == nil {
		return VarintLen(-1)
	}
	return VarintLen(int32(len(b))) + len(b)
}

// RecordBodyLen returns the size of a record after its length prefix.
// headersLen is HeadersLen(headers).
func RecordBodyLen(tsDelta int64, offsetDelta int32, key, value []byte, nHeaders, headersLen int) int {
	return 1 + VarlongLen(tsDelta) + VarintLen(offsetDelta) +
		bytesLen(key) + bytesLen(value) + VarintLen(int32(nHeaders)) + headersLen
}

// RecordLen returns the full encoded size of a record, length prefix
// included, for a body of bodyLen bytes.
func RecordLen(bodyLen int) int { return VarintLen(int32(bodyLen)) + bodyLen }

// AppendRecord appends one v2 record. bodyLen must be RecordBodyLen of the
// same arguments; callers compute it first to decide whether the record fits
// its batch. It grows dst once and writes the fields in place.
func AppendRecord[H HeaderLike](dst []byte, bodyLen int, tsDelta int64, offsetDelta int32, key, value []byte, headers []H) []byte {
	n := len(dst)
	total := RecordLen(bodyLen)
	if cap(dst)-n < total {
		dst = append(dst[:cap(dst)], make([]byte, total-(cap(dst)-n))...)
	}
	dst = dst[:n+total]
	b := dst[n:]
	i := putVarint(b, int64(bodyLen))
	b[i] = 0 // attributes: unused by v2 records
	i++
	i += putVarint(b[i:], tsDelta)
	i += putVarint(b[i:], int64(offsetDelta))
	i += putBytes(b[i:], key)
	i += putBytes(b[i:], value)
	i += putVarint(b[i:], int64(len(headers)))
	for j := range headers {
		h := Header(headers[j])
		i += putVarint(b[i:], int64(len(h.Key)))
		i += copy(b[i:], h.Key)
		i += putBytes(b[i:], h.Value)
	}
	return dst
}

// putVarint writes v zigzag-encoded at the start of b and returns its width.
func putVarint(b []byte, v int64) int {
	u := uint64((v << 1) ^ (v >> 63))
	i := 0
	for u >= 0x80 {
		b[i] = byte(u) | 0x80
		u >>= 7
		i++
	}
	b[i] = byte(u)
	return i + 1
}

// putBytes writes a nullable byte field: -1 for nil, else length and data.
func putBytes(b, v []byte) int {
	if v == nil {
		return putVarint(b, -1)
	}
	i := putVarint(b, int64(len(v)))
	return i + copy(b[i:], v)
}
