package compress

import (
	"bytes"
	stdgzip "compress/gzip"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// independentDecode decodes a payload with a decoder other than the codec's
// own AppendDecoded: the standard library for gzip, s2's (non-strict) block
// decoder for snappy, lz4.Reader for lz4 and a fresh zstd.Decoder for zstd.
func independentDecode(tb testing.TB, typ Type, enc []byte) []byte {
	tb.Helper()
	var out []byte
	var err error
	switch typ {
	case None:
		return bytes.Clone(enc)
	case Gzip:
		var zr *stdgzip.Reader
		if zr, err = stdgzip.NewReader(bytes.NewReader(enc)); err == nil {
			out, err = io.ReadAll(zr)
		}
	case Snappy:
		out, err = s2.Decode(nil, enc)
	case LZ4:
		out, err = io.ReadAll(lz4.NewReader(bytes.NewReader(enc)))
	case Zstd:
		var zr *zstd.Decoder
		if zr, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err == nil {
			out, err = zr.DecodeAll(enc, nil)
			zr.Close()
		}
	default:
		tb.Fatalf("no independent decoder for %v", typ)
	}
	if err != nil {
		tb.Fatalf("independent %v decoder: %v", typ, err)
	}
	return out
}

func TestRoundTripEveryCodecLevelAndInput(t *testing.T) {
	inputs := testInputs(t)
	for _, typ := range allTypes {
		for _, level := range levelsFor(typ) {
			c := mustNew(t, typ, level)
			for _, in := range inputs {
				t.Run(fmt.Sprintf("%v/level=%d/%s", typ, level, in.name), func(t *testing.T) {
					t.Parallel()
					checkRoundTrip(t, c, in.data)
				})
			}
		}
	}
}

// checkRoundTrip encodes src after a prefix in dst, and checks that the
// prefix survives, that both decoders return src, and that decoding appends
// after its own prefix too.
func checkRoundTrip(t *testing.T, c Codec, src []byte) {
	t.Helper()
	prefix := []byte("prefix")
	enc, err := c.AppendEncoded(bytes.Clone(prefix), src)
	if err != nil {
		t.Fatalf("AppendEncoded: %v", err)
	}
	if !bytes.HasPrefix(enc, prefix) {
		t.Fatalf("AppendEncoded overwrote dst's contents: got %q, want prefix %q", enc[:min(len(enc), len(prefix))], prefix)
	}
	enc = enc[len(prefix):]

	if got := independentDecode(t, c.Type(), enc); !bytes.Equal(got, src) {
		t.Fatalf("independent decoder: got %d bytes, want the %d input bytes", len(got), len(src))
	}
	dec, err := c.AppendDecoded(bytes.Clone(prefix), enc)
	if err != nil {
		t.Fatalf("AppendDecoded: %v", err)
	}
	if !bytes.HasPrefix(dec, prefix) || !bytes.Equal(dec[len(prefix):], src) {
		t.Fatalf("AppendDecoded: got %d bytes, want prefix + the %d input bytes", len(dec), len(src))
	}
}

func TestEncodingIsDeterministicAcrossReusedEncoders(t *testing.T) {
	// Pooled encoders keep tables between calls; stale state must not leak
	// into the next payload.
	a, b := jsonRecords(500, 11), randomBytes(100<<10, 12)
	for _, typ := range allTypes {
		for _, level := range levelsFor(typ) {
			c := mustNew(t, typ, level)
			first, _ := c.AppendEncoded(nil, a)
			_, _ = c.AppendEncoded(nil, b)
			again, _ := c.AppendEncoded(nil, a)
			if !bytes.Equal(first, again) {
				t.Errorf("%v level %d: encoding the same batch twice gave different bytes", typ, level)
			}
		}
	}
}

func TestConcurrentUseOfOneCodec(t *testing.T) {
	// Run with -race: one Codec, many goroutines, each with its own data.
	for _, typ := range allTypes {
		c := mustNew(t, typ, DefaultLevel)
		t.Run(typ.String(), func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					src := jsonRecords(200+g, uint64(g))
					var enc, dec []byte
					for range 20 {
						var err error
						if enc, err = c.AppendEncoded(enc[:0], src); err != nil {
							t.Error(err)
							return
						}
						if dec, err = c.AppendDecoded(dec[:0], enc); err != nil {
							t.Error(err)
							return
						}
						if !bytes.Equal(dec, src) {
							t.Errorf("goroutine %d: round trip changed the data", g)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
