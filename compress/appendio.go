package compress

import (
	"io"
	"slices"
)

// appendWriter is an io.Writer that appends to b, so that a stream encoder
// writes straight into the caller's dst. It lives inside a pooled encoder
// state, so handing it to an encoder as an io.Writer does not allocate.
type appendWriter struct {
	b []byte
}

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// minReadGrowth is the least appendReadAll grows dst by, so that a small
// payload does not cost a string of tiny reallocations.
const minReadGrowth = 4 << 10

// appendReadAll appends everything r yields until io.EOF to dst. It fails
// with ErrTooLarge as soon as r yields more than limit bytes, having
// allocated at most about limit bytes, and returns dst unchanged on error.
func appendReadAll(dst []byte, r io.Reader, limit int) ([]byte, error) {
	start := len(dst)
	// Reading one byte past the limit tells "exactly limit" from "more".
	stop := start + limit + 1
	for {
		if len(dst) == cap(dst) {
			grow := max(len(dst)-start, minReadGrowth) // doubles the output so far
			dst = slices.Grow(dst, min(grow, stop-len(dst)))
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), stop)])
		dst = dst[:len(dst)+n]
		switch {
		case len(dst) > start+limit:
			return dst[:start], ErrTooLarge
		case err == io.EOF:
			return dst, nil
		case err != nil:
			return dst[:start], err
		}
	}
}
