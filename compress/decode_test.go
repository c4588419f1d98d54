package compress

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/klauspost/compress/snappy"
)

// compressedTypes are the codecs that actually compress.
var compressedTypes = []Type{Gzip, Snappy, LZ4, Zstd}

func mustNewLimited(tb testing.TB, typ Type, limit int) Codec {
	tb.Helper()
	c, err := newCodec(typ, DefaultLevel, limit)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustEncode(tb testing.TB, c Codec, src []byte) []byte {
	tb.Helper()
	out, err := c.AppendEncoded(nil, src)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// concatenated returns two payloads joined as the format allows several in
// one stream: gzip members, lz4 frames, zstd frames, xerial chunks.
func concatenated(tb testing.TB, c Codec, a, b []byte) []byte {
	tb.Helper()
	if c.Type() == Snappy {
		return xerialFrame(snappy.Encode(nil, a), snappy.Encode(nil, b))
	}
	return append(mustEncode(tb, c, a), mustEncode(tb, c, b)...)
}

func TestNewCodecsUseMaxDecodedLen(t *testing.T) {
	for _, typ := range allTypes {
		var got int
		switch c := mustNew(t, typ, DefaultLevel).(type) {
		case noneCodec:
			got = c.maxDecoded
		case *gzipCodec:
			got = c.maxDecoded
		case *snappyCodec:
			got = c.maxDecoded
		case *lz4Codec:
			got = c.maxDecoded
		case *zstdCodec:
			got = c.maxDecoded
		}
		if got != MaxDecodedLen {
			t.Errorf("%v: decode limit %d, want MaxDecodedLen (%d)", typ, got, MaxDecodedLen)
		}
	}
}

func TestDecodeStopsAtTheLimit(t *testing.T) {
	const limit = 100_000
	records := jsonRecords(600, 13) // more than limit bytes
	for _, typ := range allTypes {
		c := mustNewLimited(t, typ, limit)
		tests := []struct {
			name    string
			payload []byte
			wantErr error
		}{
			{"exactly the limit decodes", mustEncode(t, c, records[:limit]), nil},
			{"one byte over the limit fails", mustEncode(t, c, records[:limit+1]), ErrTooLarge},
			{"a megabyte of zeros fails", mustEncode(t, c, make([]byte, 1<<20)), ErrTooLarge},
		}
		if typ != None {
			tests = append(tests, struct {
				name    string
				payload []byte
				wantErr error
			}{"two parts over the limit together fail", concatenated(t, c, records[:limit/2+1], records[:limit/2]), ErrTooLarge})
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%v/%s", typ, tt.name), func(t *testing.T) {
				dst := []byte("keep")
				got, err := c.AppendDecoded(dst, tt.payload)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("AppendDecoded error = %v, want %v", err, tt.wantErr)
				}
				if err != nil && string(got) != "keep" {
					t.Fatalf("AppendDecoded returned %d bytes on error, want dst unchanged", len(got))
				}
				if err == nil && len(got)-len(dst) != limit {
					t.Fatalf("decoded %d bytes, want %d", len(got)-len(dst), limit)
				}
			})
		}
	}
}

func TestDecompressionBombAllocatesAboutTheLimitNotTheBomb(t *testing.T) {
	const limit = 1 << 20
	bomb := make([]byte, 64<<20) // zeros: every codec shrinks them enormously
	for _, typ := range compressedTypes {
		t.Run(typ.String(), func(t *testing.T) {
			c := mustNewLimited(t, typ, limit)
			payload := mustEncode(t, c, bomb)
			_, _ = c.AppendDecoded(nil, mustEncode(t, c, []byte("warm up the pooled decoder")))

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := c.AppendDecoded(nil, payload)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("AppendDecoded(%d-byte bomb) error = %v, want ErrTooLarge", len(payload), err)
			}
			// The output may reach the limit, and a decoder may hold one
			// block of the format beyond it (4 MiB at most, for lz4).
			if got, max := after.TotalAlloc-before.TotalAlloc, uint64(3*limit+4<<20); got > max {
				t.Fatalf("decoding the bomb allocated %d bytes, want at most %d", got, max)
			}
		})
	}
}

func TestDecodeRejectsCorruptInput(t *testing.T) {
	src := jsonRecords(60, 14)
	for _, typ := range compressedTypes {
		c := mustNew(t, typ, DefaultLevel)
		good := mustEncode(t, c, src)
		other := mustEncode(t, mustNew(t, compressedTypes[(int(typ))%len(compressedTypes)], DefaultLevel), src)
		tests := []struct {
			name string
			in   []byte
		}{
			{"empty input", nil},
			{"the first five bytes", good[:5]},
			{"half the payload", good[:len(good)/2]},
			{"all but the last byte", good[:len(good)-1]},
			{"the payload then garbage", append(bytes.Clone(good), bytes.Repeat([]byte{0xab}, 8)...)},
			{"random bytes", randomBytes(len(good), 15)},
			{"another codec's payload", other},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%v/%s", typ, tt.name), func(t *testing.T) {
				dst := []byte("keep")
				got, err := c.AppendDecoded(dst, tt.in)
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("AppendDecoded error = %v, want ErrCorrupt", err)
				}
				if string(got) != "keep" {
					t.Fatalf("AppendDecoded returned %d bytes on error, want dst unchanged", len(got))
				}
			})
		}
	}
}
