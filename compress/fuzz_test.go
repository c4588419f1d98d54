package compress

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/s2"
)

// fuzzLimit keeps decoded sizes small, so that the fuzzers explore formats
// rather than allocate; the limit itself is part of what they check.
const fuzzLimit = 1 << 20

// fuzzDecode checks a codec's AppendDecoded on arbitrary input: it never
// panics, fails only with ErrCorrupt or ErrTooLarge and then leaves dst
// unchanged, never decodes more than the limit, and, where check is given,
// agrees with an independent decoder whenever it succeeds. The committed
// corpus in testdata/fuzz/<FuzzName> holds payloads from other writers (the
// reference command-line tools, xerial framing, linked lz4 blocks); the
// seeds added here come from our own encoder, so they track it.
func fuzzDecode(f *testing.F, typ Type, check func(t *testing.T, src, got []byte)) {
	c := mustNewLimited(f, typ, fuzzLimit)
	for _, s := range [][]byte{nil, []byte("x"), jsonRecords(3, 1), make([]byte, 1000)} {
		f.Add(mustEncode(f, c, s))
	}
	prefix := []byte("prefix")
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := c.AppendDecoded(bytes.Clone(prefix), src)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("AppendDecoded error %v is neither ErrCorrupt nor ErrTooLarge", err)
			}
			if !bytes.Equal(got, prefix) {
				t.Fatalf("AppendDecoded returned %q on error, want dst unchanged", got)
			}
			return
		}
		if !bytes.HasPrefix(got, prefix) {
			t.Fatalf("AppendDecoded overwrote dst: got %q", got[:min(len(got), len(prefix))])
		}
		if n := len(got) - len(prefix); n > fuzzLimit {
			t.Fatalf("AppendDecoded produced %d bytes, over the %d limit", n, fuzzLimit)
		}
		if check != nil {
			check(t, src, got[len(prefix):])
		}
	})
}

func FuzzDecodeGzip(f *testing.F) {
	fuzzDecode(f, Gzip, func(t *testing.T, src, got []byte) {
		zr, err := stdgzip.NewReader(bytes.NewReader(src))
		if err != nil {
			t.Fatalf("we decoded %d bytes; the standard library refuses the header: %v", len(got), err)
		}
		want, err := io.ReadAll(io.LimitReader(zr, fuzzLimit+1))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("we decoded %d bytes; the standard library decodes %d, %v", len(got), len(want), err)
		}
	})
}

func FuzzDecodeSnappy(f *testing.F) {
	fuzzDecode(f, Snappy, func(t *testing.T, src, got []byte) {
		if len(src) >= len(xerialMagic) && [8]byte(src) == xerialMagic {
			return // no independent xerial decoder that is as strict
		}
		// s2 decodes a superset of snappy: what we accept, it accepts.
		want, err := s2.Decode(nil, src)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("we decoded %d bytes; s2 decodes %d, %v", len(got), len(want), err)
		}
	})
}

func FuzzDecodeLZ4(f *testing.F) {
	fuzzDecode(f, LZ4, nil)
}

func FuzzDecodeZstd(f *testing.F) {
	fuzzDecode(f, Zstd, nil)
}

// FuzzRoundTrip encodes arbitrary data with any codec and level and checks
// that both our decoder and an independent one return the data.
func FuzzRoundTrip(f *testing.F) {
	codecs := make(map[Type]map[int]Codec)
	for _, typ := range allTypes {
		codecs[typ] = make(map[int]Codec)
		for level := DefaultLevel; level <= MaxLevel; level++ {
			codecs[typ][level] = mustNew(f, typ, level)
		}
	}
	f.Add([]byte{}, uint8(LZ4), int8(-1))
	f.Add(jsonRecords(4, 2), uint8(Zstd), int8(3))
	f.Add(randomBytes(300, 3), uint8(Gzip), int8(9))
	f.Add(bytes.Repeat([]byte("kafka"), 200), uint8(Snappy), int8(0))
	f.Fuzz(func(t *testing.T, data []byte, codec uint8, level int8) {
		typ := Type(codec % uint8(len(allTypes)))
		l := int(uint8(level))%(MaxLevel+2) + DefaultLevel // -1..12
		c := codecs[typ][l]
		enc, err := c.AppendEncoded(nil, data)
		if err != nil {
			t.Fatalf("%v level %d: AppendEncoded: %v", typ, l, err)
		}
		dec, err := c.AppendDecoded(nil, enc)
		if err != nil || !bytes.Equal(dec, data) {
			t.Fatalf("%v level %d: AppendDecoded = %d bytes, %v; want the %d input bytes", typ, l, len(dec), err, len(data))
		}
		if got := independentDecode(t, typ, enc); !bytes.Equal(got, data) {
			t.Fatalf("%v level %d: independent decoder gave %d bytes, want the %d input bytes", typ, l, len(got), len(data))
		}
	})
}
