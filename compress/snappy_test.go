package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/snappy/xerial"
)

// xerialFrame builds a snappy-java stream by hand from raw blocks, as the
// Java client's SnappyOutputStream lays it out.
func xerialFrame(blocks ...[]byte) []byte {
	b := append(xerialMagic[:], 0, 0, 0, 1, 0, 0, 0, 1)
	for _, blk := range blocks {
		b = binary.BigEndian.AppendUint32(b, uint32(len(blk)))
		b = append(b, blk...)
	}
	return b
}

func TestSnappyEncodesOneRawBlock(t *testing.T) {
	src := jsonRecords(300, 9)
	out, err := mustNew(t, Snappy, DefaultLevel).AppendEncoded(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	// A raw block starts with the uvarint decoded length; no framing.
	n, k := binary.Uvarint(out)
	if k <= 0 || n != uint64(len(src)) {
		t.Fatalf("block starts with length %d (%d bytes), want %d", n, k, len(src))
	}
	if got, err := snappy.DecodeStrict(nil, out); err != nil || !bytes.Equal(got, src) {
		t.Fatalf("strict snappy decoder: %d bytes, %v; want the input", len(got), err)
	}
}

func TestSnappyDecodesXerialFraming(t *testing.T) {
	c := mustNew(t, Snappy, DefaultLevel)
	src := jsonRecords(1000, 10) // about 200 KB: several 32 KiB xerial chunks
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"a stream from an independent xerial encoder", xerial.Encode(nil, src), src},
		{"a hand-built stream with two chunks", xerialFrame(snappy.Encode(nil, src[:100]), snappy.Encode(nil, src[100:300])), src[:300]},
		{"a header without chunks, as snappy-java writes for no data", xerialFrame(), []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AppendDecoded([]byte("p"), tt.in)
			if err != nil || !bytes.Equal(got, append([]byte("p"), tt.want...)) {
				t.Fatalf("AppendDecoded = %d bytes, %v; want %d bytes after the prefix", len(got), err, len(tt.want))
			}
		})
	}
}

func TestSnappyRejectsMalformedXerial(t *testing.T) {
	c := mustNew(t, Snappy, DefaultLevel)
	good := xerialFrame(snappy.Encode(nil, []byte("hello hello hello")))
	tests := []struct {
		name string
		in   []byte
	}{
		{"a header cut short", good[:12]},
		{"a chunk length cut short", good[:xerialHeaderLen+2]},
		{"a chunk shorter than its length", good[:len(good)-1]},
		{"a chunk that is not snappy", xerialFrame([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
		{"an empty chunk", xerialFrame([]byte{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := c.AppendDecoded(dst, tt.in)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("AppendDecoded error = %v, want ErrCorrupt", err)
			}
			if string(got) != "keep" {
				t.Fatalf("AppendDecoded returned %q on error, want dst unchanged", got)
			}
		})
	}
}

func TestSnappyRefusesS2OnlyEncoding(t *testing.T) {
	// s2 extends snappy with "repeat the last offset", a copy with offset
	// 0, which snappy decoders (the C++ one, snappy-java) reject; so does
	// AppendDecoded. This block is literal "abcd", a copy of 4 at offset 4,
	// and a copy of 4 at offset 0.
	block := []byte{12, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x04, 0x01, 0x00}
	if got, err := s2.Decode(nil, block); err != nil || string(got) != "abcdabcdabcd" {
		t.Fatalf("s2.Decode = %q, %v; the block is not the s2 block this test means", got, err)
	}
	if _, err := mustNew(t, Snappy, DefaultLevel).AppendDecoded(nil, block); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("AppendDecoded(s2-only block) error = %v, want ErrCorrupt", err)
	}
}
