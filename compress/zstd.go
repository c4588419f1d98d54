package compress

import (
	"errors"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstdCodec writes one standard zstd frame per batch with EncodeAll, which
// records the content size, so any zstd decoder reads it in one pass.
// Brokers accept zstd from Produce v7 (Kafka 2.1) on.
//
// Memory. Each pooled encoder keeps match tables and history for its
// window. Measured per encoder with the 64 KiB window: about 1.6 MiB at
// levels 1-2, 2.6 MiB at 3-5, 5.4 MiB at 6-9 and 35 MiB at 10-12 (those
// tables are sized for large windows whatever the window is). The pool
// keeps at most GOMAXPROCS encoders, and in practice as many as batches
// were ever compressed at once (about one per broker connection), so at the
// default level the bound is 2.6 MiB per core.
//
// Hence the choices:
//   - A 64 KiB window (zstdWindow). Records in a batch repeat each other
//     within a few records (field names, keys, header names), so a 1 MiB
//     window compressed 1 MB JSON-like batches no better (slightly worse,
//     as it happens) while holding 1 MiB more per encoder, and more in every
//     decoder that reads the frame as a stream: the broker when it
//     validates the batch, consumers.
//     franz-go made the same choice.
//   - Concurrency 1 per encoder. EncodeAll compresses on the calling
//     goroutine anyway; a higher concurrency preallocates that many
//     encoders' state inside each pooled encoder. Parallelism comes from
//     the pool instead, one encoder per concurrent caller.
//   - No content checksum, as librdkafka writes (zstd's default): the
//     record batch's CRC-32C already covers the payload.
//
// Pooled encoders are only ever used through EncodeAll, which starts no
// goroutines, so an encoder the pool drops needs no Close.
type zstdCodec struct {
	level      int
	maxDecoded int
	encoders   *pool[*zstd.Encoder]

	decoderOnce sync.Once
	decoder     *zstd.Decoder // built on the first AppendDecoded; safe for concurrent DecodeAll
	decoderErr  error
}

const (
	zstdDefaultLevel = 3 // ZSTD_CLEVEL_DEFAULT, also what zstd makes of 0
	zstdWindow       = 64 << 10
)

func newZstd(level, maxDecoded int) *zstdCodec {
	if level == DefaultLevel || level == 0 {
		level = zstdDefaultLevel
	}
	// klauspost/compress implements four speeds; EncoderLevelFromZstd maps
	// zstd's 1-2, 3-5, 6-9 and 10+ onto them.
	speed := zstd.EncoderLevelFromZstd(level)
	alloc := func() *zstd.Encoder {
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(speed),
			zstd.WithWindowSize(zstdWindow),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(false),
			// Encode an empty batch as a frame, not as nothing, which
			// other zstd decoders would refuse.
			zstd.WithZeroFrames(true),
		)
		if err != nil {
			// The options are constants that NewWriter accepts.
			panic("compress: zstd.NewWriter: " + err.Error())
		}
		return enc
	}
	return &zstdCodec{level: level, maxDecoded: maxDecoded, encoders: newPool(alloc)}
}

func (c *zstdCodec) Type() Type { return Zstd }
func (c *zstdCodec) Level() int { return c.level }

func (c *zstdCodec) AppendEncoded(dst, src []byte) ([]byte, error) {
	enc := c.encoders.get()
	dst = enc.EncodeAll(src, dst)
	c.encoders.put(enc)
	return dst, nil
}

func (c *zstdCodec) AppendDecoded(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, corrupt("zstd", errEmpty)
	}
	c.decoderOnce.Do(func() {
		// DecodeAll keeps the history in dst, so the window needs no memory
		// of its own; WithDecoderMaxMemory caps the output, frame by frame
		// and in total. Concurrency 0 lets GOMAXPROCS calls decode at once.
		c.decoder, c.decoderErr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(uint64(c.maxDecoded)),
		)
	})
	if c.decoderErr != nil {
		return dst, c.decoderErr
	}
	out, err := c.decodeAll(dst, src)
	switch {
	case errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
		return dst, ErrTooLarge
	case err != nil:
		return dst, corrupt("zstd", err)
	}
	return out, nil
}

// decodeAll appends the frames in src to dst. DecodeAll counts what dst
// already holds against the decoded-size limit for frames that declare
// their size, so it decodes after dst's contents, into the spare capacity
// when there is room, instead of after dst itself.
func (c *zstdCodec) decodeAll(dst, src []byte) ([]byte, error) {
	if len(dst) == 0 {
		return c.decoder.DecodeAll(src, dst)
	}
	tail := dst[len(dst):]
	out, err := c.decoder.DecodeAll(src, tail)
	if err != nil || len(out) == 0 {
		return dst, err
	}
	if cap(tail) > 0 && &tail[:1][0] == &out[0] {
		return dst[:len(dst)+len(out)], nil // decoded in place
	}
	return append(dst, out...), nil
}
