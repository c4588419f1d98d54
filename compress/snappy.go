package compress

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// snappyCodec writes one raw snappy block, as librdkafka does. The Java
// client writes snappy-java's ("xerial") framing instead; brokers and
// consumers read both, and AppendDecoded does too.
//
// Snappy has no levels. The encoder is s2's snappy-compatible fast mode, the
// counterpart of Google's snappy that librdkafka bundles; s2 pools its hash
// tables itself. It writes into a buffer of the worst-case size, so when dst
// has no room for that the codec encodes into a pooled scratch buffer and
// copies the block out.
type snappyCodec struct {
	maxDecoded int
	scratch    *pool[*[]byte]
}

// xerialMagic opens a snappy-java stream. It is followed by two big-endian
// int32s (version and compatible version, both 1) and then by chunks, each
// a big-endian int32 length and one raw snappy block.
var xerialMagic = [8]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const xerialHeaderLen = len(xerialMagic) + 4 + 4

func newSnappy(maxDecoded int) *snappyCodec {
	return &snappyCodec{
		maxDecoded: maxDecoded,
		scratch:    newPool(func() *[]byte { return new([]byte) }),
	}
}

func (c *snappyCodec) Type() Type { return Snappy }
func (c *snappyCodec) Level() int { return 0 }

func (c *snappyCodec) AppendEncoded(dst, src []byte) ([]byte, error) {
	bound := s2.MaxEncodedLen(len(src))
	if bound < 0 {
		return dst, fmt.Errorf("%w: snappy: a %d-byte input exceeds the format's 4 GiB limit", ErrTooLarge, len(src))
	}
	if at := len(dst); cap(dst)-at >= bound {
		// With room for the worst case, EncodeSnappy writes in place.
		n := len(s2.EncodeSnappy(dst[at:at+bound], src))
		return dst[:at+n], nil
	}
	buf := c.scratch.get()
	*buf = slices.Grow((*buf)[:0], bound)
	dst = append(dst, s2.EncodeSnappy((*buf)[:bound], src)...)
	c.scratch.put(buf)
	return dst, nil
}

// AppendDecoded decodes a raw snappy block, or a snappy-java stream when src
// starts with its magic, as librdkafka and the Java client decide. It decodes
// standard snappy strictly, refusing s2's extensions, as the C++ and Java
// decoders would.
func (c *snappyCodec) AppendDecoded(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, corrupt("snappy", errEmpty)
	}
	var out []byte
	var err error
	if len(src) >= len(xerialMagic) && [8]byte(src) == xerialMagic {
		out, err = c.appendXerial(dst, src)
	} else {
		out, err = c.appendBlock(dst, src, len(dst))
	}
	if err != nil {
		return dst, err
	}
	return out, nil
}

var (
	errXerialHeader = errors.New("xerial: truncated header")
	errXerialChunk  = errors.New("xerial: truncated chunk")
)

func (c *snappyCodec) appendXerial(dst, src []byte) ([]byte, error) {
	if len(src) < xerialHeaderLen {
		return nil, corrupt("snappy", errXerialHeader)
	}
	start := len(dst)
	// The version fields are not checked: every snappy-java version writes
	// the same chunks, and librdkafka ignores them too.
	for p := src[xerialHeaderLen:]; len(p) > 0; {
		if len(p) < 4 {
			return nil, corrupt("snappy", errXerialChunk)
		}
		n := binary.BigEndian.Uint32(p)
		p = p[4:]
		if uint64(n) > uint64(len(p)) {
			return nil, corrupt("snappy", errXerialChunk)
		}
		var err error
		if dst, err = c.appendBlock(dst, p[:n], start); err != nil {
			return nil, err
		}
		p = p[n:]
	}
	return dst, nil
}

// appendBlock decodes one raw block, allocating only once its declared
// length is known to keep the output since start within maxDecoded.
func (c *snappyCodec) appendBlock(dst, block []byte, start int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, corrupt("snappy", err)
	}
	if n > c.maxDecoded-(len(dst)-start) {
		return nil, ErrTooLarge
	}
	dst = slices.Grow(dst, n)
	at := len(dst)
	if _, err := snappy.DecodeStrict(dst[at:at+n], block); err != nil {
		return nil, corrupt("snappy", err)
	}
	return dst[:at+n], nil
}
