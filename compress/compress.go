package compress

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Type is the codec id as written in bits 0-2 of a record batch's attributes.
type Type int8

// The codecs of the Kafka protocol.
const (
	None   Type = 0
	Gzip   Type = 1
	Snappy Type = 2
	LZ4    Type = 3
	Zstd   Type = 4
)

// typeNames holds librdkafka's compression.type values, indexed by Type.
var typeNames = [...]string{None: "none", Gzip: "gzip", Snappy: "snappy", LZ4: "lz4", Zstd: "zstd"}

// String returns the codec's compression.type value: "none", "gzip",
// "snappy", "lz4" or "zstd".
func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// ParseType parses a compression.type (alias compression.codec) value. Like
// librdkafka it ignores case and surrounding white space.
func ParseType(s string) (Type, error) {
	v := strings.TrimSpace(s)
	for t, name := range typeNames {
		if strings.EqualFold(v, name) {
			return Type(t), nil
		}
	}
	return None, fmt.Errorf("%w: invalid value %q for configuration property \"compression.type\": want one of none, gzip, snappy, lz4, zstd",
		ErrInvalidConfig, s)
}

// MinProduceVersion returns the lowest Produce request version that may carry
// batches compressed with t: 7 for zstd (Kafka 2.1, KIP-110), 0 for the
// others. Record batches themselves need Produce v3, which the producer
// checks on its own.
func MinProduceVersion(t Type) int16 {
	if t == Zstd {
		return 7
	}
	return 0
}

// The bounds of compression.level, for every codec, as librdkafka's
// configuration has them.
const (
	// DefaultLevel selects the codec's own default level.
	DefaultLevel = -1
	// MaxLevel is the highest compression.level librdkafka's configuration
	// accepts, even for zstd, whose own scale goes to 22.
	MaxLevel = 12
)

// MaxDecodedLen is the most bytes [Codec.AppendDecoded] produces from one
// payload; beyond it, decoding fails with [ErrTooLarge]. 256 MiB is far above
// what a batch decodes to in practice (brokers cap batches at
// message.max.bytes, 1 MiB by default, before decompression) while keeping a
// decompression bomb from exhausting memory.
const MaxDecodedLen = 256 << 20

var (
	// ErrInvalidConfig reports a compression.type or compression.level the
	// configuration does not accept. The error text names the property.
	ErrInvalidConfig = errors.New("compress: invalid configuration")
	// ErrCorrupt reports a payload that is not valid in the codec's format.
	ErrCorrupt = errors.New("compress: corrupt input")
	// ErrTooLarge reports a payload that decodes to more than MaxDecodedLen
	// bytes, or an input too large for the codec's format to encode.
	ErrTooLarge = errors.New("compress: size limit exceeded")
)

// Codec compresses record-batch payloads.
//
// A Codec is safe for concurrent use. Its encoders and decoders, and their
// buffers, are pooled internally.
type Codec interface {
	// Type returns the codec's id.
	Type() Type
	// Level returns the level in effect, after resolving -1 to the codec's
	// default and clamping to the codec's range (see the package doc).
	Level() int
	// AppendEncoded appends the compressed form of src to dst and returns
	// the extended slice. It allocates nothing in steady state when dst has
	// room for the output. dst and src must not overlap.
	AppendEncoded(dst, src []byte) ([]byte, error)
	// AppendDecoded appends the decompressed form of src to dst and returns
	// the extended slice. It fails with ErrCorrupt if src is not valid in
	// the codec's format and with ErrTooLarge if src decodes to more than
	// MaxDecodedLen bytes. On error it returns dst unchanged. dst and src
	// must not overlap.
	AppendDecoded(dst, src []byte) ([]byte, error)
}

// New returns a Codec for t at the given compression.level, -1..12, where -1
// selects the codec's default.
func New(t Type, level int) (Codec, error) {
	return newCodec(t, level, MaxDecodedLen)
}

// newCodec is New with a decoded-size limit, so tests and fuzzers can check
// the limit without producing hundreds of megabytes.
func newCodec(t Type, level, maxDecoded int) (Codec, error) {
	if level < DefaultLevel || level > MaxLevel {
		return nil, fmt.Errorf("%w: configuration property \"compression.level\" value %d is outside allowed range %d..%d",
			ErrInvalidConfig, level, DefaultLevel, MaxLevel)
	}
	switch t {
	case None:
		return noneCodec{maxDecoded: maxDecoded}, nil
	case Gzip:
		return newGzip(level, maxDecoded), nil
	case Snappy:
		return newSnappy(maxDecoded), nil
	case LZ4:
		return newLZ4(level, maxDecoded), nil
	case Zstd:
		return newZstd(level, maxDecoded), nil
	}
	return nil, fmt.Errorf("%w: configuration property \"compression.type\" has unknown codec id %d", ErrInvalidConfig, t)
}

// corrupt wraps a decoder's error so that callers can test for ErrCorrupt
// while the message keeps the decoder's detail.
func corrupt(codec string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrCorrupt, codec, err)
}

// errEmpty is the detail for an empty payload, which no codec produces: even
// an empty batch compresses to a header.
var errEmpty = errors.New("empty input")
