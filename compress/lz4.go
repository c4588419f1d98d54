package compress

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/pierrec/lz4/v4"
)

// lz4Codec writes the LZ4 frame librdkafka writes through lz4frame
// (LZ4F_blockIndependent, every other preference at its default), which is
// also what the Java client's Lz4BlockOutputStream writes:
//
//	magic 04 22 4D 18
//	FLG   0x60: version 01, independent blocks, no block checksums,
//	      no content size, no content checksum, no dictionary
//	BD    0x40: blocks of at most 64 KiB
//	HC    0x82: (xxh32(FLG BD, seed 0) >> 8) & 0xFF
//	then blocks, each a little-endian uint32 size (high bit set when the
//	block is stored uncompressed) and its bytes, then a zero end mark.
//
// The descriptor checksum covers FLG and BD only. Kafka before 0.10 (magic
// v0) wrongly hashed the magic too; magic v2 batches need the correct one.
// Independent blocks are required: the Java reader refuses linked ones.
//
// The frame is assembled here rather than with lz4.Writer so that blocks are
// compressed straight into dst, with nothing to flush or allocate.
type lz4Codec struct {
	level      int
	maxDecoded int
	encoders   *pool[*lz4Encoder]
	readers    *pool[*lz4Reader]
}

const (
	lz4BlockSize    = 64 << 10
	lz4Uncompressed = 1 << 31 // block size flag: the block is stored as is
	lz4HCMinLevel   = 3       // LZ4HC_CLEVEL_MIN: below it lz4frame uses the fast compressor
)

var lz4FrameHeader = [...]byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82}

// lz4HCDepth maps compression.level 3..12 to the search depth of
// lz4.CompressorHC. Levels 3..9 take the nbSearches of the reference's
// lz4hc levels (4 to 256 candidates). The reference switches to an optimal
// parser at 10..12, which pierrec/lz4 does not have; those levels search
// deeper chains instead (12 takes the reference's 16384), so the ratio
// still grows with the level but can fall short of the C library's.
var lz4HCDepth = [...]lz4.CompressionLevel{
	3: 4, 4: 8, 5: 16, 6: 32, 7: 64, 8: 128, 9: 256,
	10: 1024, 11: 4096, 12: 16384,
}

// lz4Encoder is a pooled block compressor, *lz4.Compressor or
// *lz4.CompressorHC, which hold their hash tables, and a scratch block for
// when dst has no room to compress in place.
type lz4Encoder struct {
	comp interface {
		CompressBlock(src, dst []byte) (int, error)
	}
	scratch []byte
}

// lz4Reader is a pooled frame decoder with the bytes.Reader it reads from.
type lz4Reader struct {
	zr *lz4.Reader
	in bytes.Reader
}

func newLZ4(level, maxDecoded int) *lz4Codec {
	if level == DefaultLevel {
		level = 0 // lz4frame's default, the fast compressor
	}
	alloc := func() *lz4Encoder {
		e := &lz4Encoder{scratch: make([]byte, lz4BlockSize)}
		if level < lz4HCMinLevel {
			e.comp = new(lz4.Compressor)
		} else {
			e.comp = &lz4.CompressorHC{Level: lz4HCDepth[level]}
		}
		return e
	}
	return &lz4Codec{
		level:      level,
		maxDecoded: maxDecoded,
		encoders:   newPool(alloc),
		readers: newPool(func() *lz4Reader {
			r := new(lz4Reader)
			r.zr = lz4.NewReader(&r.in)
			return r
		}),
	}
}

func (c *lz4Codec) Type() Type { return LZ4 }
func (c *lz4Codec) Level() int { return c.level }

func (c *lz4Codec) AppendEncoded(dst, src []byte) ([]byte, error) {
	dst = append(dst, lz4FrameHeader[:]...)
	e := c.encoders.get()
	for len(src) > 0 {
		block := src[:min(len(src), lz4BlockSize)]
		src = src[len(block):]
		// Offering the compressor one byte less than the block makes a
		// block that does not shrink fail to fit (n == 0, or an error);
		// such a block is stored as is, as lz4frame and the Java client
		// store it.
		if at := len(dst); cap(dst)-at >= 4+len(block) {
			// Room for the worst case: compress in place.
			n, err := e.comp.CompressBlock(block, dst[at+4:at+4+len(block)-1])
			if err == nil && n > 0 {
				binary.LittleEndian.PutUint32(dst[at:at+4], uint32(n))
				dst = dst[:at+4+n]
				continue
			}
		} else if n, err := e.comp.CompressBlock(block, e.scratch[:len(block)-1]); err == nil && n > 0 {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
			dst = append(dst, e.scratch[:n]...)
			continue
		}
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(block))|lz4Uncompressed)
		dst = append(dst, block...)
	}
	c.encoders.put(e)
	return binary.LittleEndian.AppendUint32(dst, 0), nil
}

// AppendDecoded decodes any LZ4 frame, and concatenated frames: linked
// blocks, checksums and content sizes are all accepted, though Kafka
// producers write none of them.
func (c *lz4Codec) AppendDecoded(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, corrupt("lz4", errEmpty)
	}
	r := c.readers.get()
	r.in.Reset(src)
	r.zr.Reset(&r.in)
	out, err := appendReadAll(dst, r.zr, c.maxDecoded)
	// Reset hands the reader's block buffer back to lz4's own pool.
	r.zr.Reset(&r.in)
	r.in.Reset(nil)
	c.readers.put(r)
	switch {
	case errors.Is(err, ErrTooLarge):
		return dst, err
	case err != nil:
		return dst, corrupt("lz4", err)
	}
	return out, nil
}
