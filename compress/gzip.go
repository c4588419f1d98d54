package compress

import (
	"bytes"
	"errors"

	"github.com/klauspost/compress/gzip"
)

// Gzip levels as librdkafka resolves them: -1 is zlib's
// Z_DEFAULT_COMPRESSION, and levels above zlib's 9 clamp to it.
const (
	gzipDefaultLevel = 6
	gzipMaxLevel     = 9
)

// gzipCodec writes a standard gzip member, as librdkafka does with zlib
// (deflate with windowBits 15+16). klauspost's deflate implements levels 1-9
// with its own match finders, so the bytes differ from zlib's; the format
// does not.
type gzipCodec struct {
	level      int
	maxDecoded int
	writers    *pool[*gzipWriter]
	readers    *pool[*gzipReader]
}

// gzipWriter is a pooled encoder with the appendWriter it writes to.
type gzipWriter struct {
	zw  *gzip.Writer
	out appendWriter
}

// gzipReader is a pooled decoder with the bytes.Reader it reads from.
type gzipReader struct {
	zr gzip.Reader
	in bytes.Reader
}

func newGzip(level, maxDecoded int) *gzipCodec {
	switch {
	case level == DefaultLevel:
		level = gzipDefaultLevel
	case level > gzipMaxLevel:
		level = gzipMaxLevel
	}
	return &gzipCodec{
		level:      level,
		maxDecoded: maxDecoded,
		writers: newPool(func() *gzipWriter {
			w := new(gzipWriter)
			// The level is in 0..9, which NewWriterLevel accepts.
			w.zw, _ = gzip.NewWriterLevel(&w.out, level)
			return w
		}),
		readers: newPool(func() *gzipReader { return new(gzipReader) }),
	}
}

func (c *gzipCodec) Type() Type { return Gzip }
func (c *gzipCodec) Level() int { return c.level }

func (c *gzipCodec) AppendEncoded(dst, src []byte) ([]byte, error) {
	w := c.writers.get()
	w.out.b = dst
	w.zw.Reset(&w.out)
	_, err := w.zw.Write(src)
	if err == nil {
		err = w.zw.Close()
	}
	out := w.out.b
	w.out.b = nil // the pool must not keep the caller's buffer alive
	c.writers.put(w)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func (c *gzipCodec) AppendDecoded(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, corrupt("gzip", errEmpty)
	}
	r := c.readers.get()
	r.in.Reset(src)
	err := r.zr.Reset(&r.in)
	out := dst
	if err == nil {
		out, err = appendReadAll(dst, &r.zr, c.maxDecoded)
	}
	r.in.Reset(nil)
	c.readers.put(r)
	switch {
	case errors.Is(err, ErrTooLarge):
		return dst, err
	case err != nil:
		return dst, corrupt("gzip", err)
	}
	return out, nil
}
