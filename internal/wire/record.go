package wire

// Header is a record header as it goes on the wire: a non-null key and a
// value that may be null (nil).
type Header struct {
	Key   string
	Value []byte
}

// HeaderLike is satisfied by any struct type with Header's layout, so that a
// public package can declare its own header type and still hand a slice of it
// to the encoder without copying.
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
// its batch.
func AppendRecord[H HeaderLike](dst []byte, bodyLen int, tsDelta int64, offsetDelta int32, key, value []byte, headers []H) []byte {
	dst = AppendVarint(dst, int32(bodyLen))
	dst = append(dst, 0) // attributes: unused by v2 records
	dst = AppendVarlong(dst, tsDelta)
	dst = AppendVarint(dst, offsetDelta)
	dst = appendBytes(dst, key)
	dst = appendBytes(dst, value)
	dst = AppendVarint(dst, int32(len(headers)))
	for i := range headers {
		h := Header(headers[i])
		dst = AppendVarint(dst, int32(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = appendBytes(dst, h.Value)
	}
	return dst
}

// appendBytes appends a nullable byte field: -1 for nil, else length and data.
func appendBytes(dst, b []byte) []byte {
	if b == nil {
		return AppendVarint(dst, -1)
	}
	dst = AppendVarint(dst, int32(len(b)))
	return append(dst, b...)
}
