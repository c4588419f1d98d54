package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// xxh32 is a plain reference XXH32, enough to check the frame descriptor's
// checksum without trusting the constant in lz4.go.
func xxh32(b []byte, seed uint32) uint32 {
	const (
		p1 = 2654435761
		p2 = 2246822519
		p3 = 3266489917
		p4 = 668265263
		p5 = 374761393
	)
	round := func(acc, lane uint32) uint32 { return bits.RotateLeft32(acc+lane*p2, 13) * p1 }
	n := len(b)
	var h uint32
	if n >= 16 {
		v1, v2, v3, v4 := seed+p1+p2, seed+p2, seed, seed-p1
		for ; len(b) >= 16; b = b[16:] {
			v1 = round(v1, binary.LittleEndian.Uint32(b[0:]))
			v2 = round(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = round(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = round(v4, binary.LittleEndian.Uint32(b[12:]))
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = seed + p5
	}
	h += uint32(n)
	for ; len(b) >= 4; b = b[4:] {
		h = bits.RotateLeft32(h+binary.LittleEndian.Uint32(b)*p3, 17) * p4
	}
	for _, c := range b {
		h = bits.RotateLeft32(h+uint32(c)*p5, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}

func TestXXH32MatchesPublishedVectors(t *testing.T) {
	// From the xxHash repository's sanity checks.
	for _, tt := range []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0x02cc5d05},
		{"a", 0, 0x550d7456},
		{"abc", 0, 0x32d153ff},
		{"Nobody inspects the spammish repetition", 0, 0xe2293b2f},
	} {
		if got := xxh32([]byte(tt.in), tt.seed); got != tt.want {
			t.Errorf("xxh32(%q) = %#08x, want %#08x", tt.in, got, tt.want)
		}
	}
}

// kafkaLZ4Frame is what parseKafkaLZ4 found in a frame.
type kafkaLZ4Frame struct {
	blocks, stored int
	content        []byte
}

// parseKafkaLZ4 reads a frame the way Kafka's Lz4BlockInputStream does,
// refusing what it refuses (linked blocks, reserved bits, a wrong descriptor
// checksum, a block over the declared maximum), and additionally insists on
// exactly the descriptor librdkafka writes. Each block is decoded on its own,
// without the previous block as dictionary, so a linked block would fail.
func parseKafkaLZ4(frame []byte) (kafkaLZ4Frame, error) {
	var f kafkaLZ4Frame
	if len(frame) < 7 || binary.LittleEndian.Uint32(frame) != 0x184D2204 {
		return f, errors.New("bad magic")
	}
	flg, bd, hc := frame[4], frame[5], frame[6]
	switch {
	case flg>>6 != 1:
		return f, fmt.Errorf("FLG version %d, want 1", flg>>6)
	case flg&0x20 == 0:
		return f, errors.New("dependent block stream is unsupported")
	case flg != 0x60:
		return f, fmt.Errorf("FLG %#02x, want 0x60 (independent blocks, no checksums, no content size)", flg)
	case bd != 0x40:
		return f, fmt.Errorf("BD %#02x, want 0x40 (64 KiB blocks)", bd)
	case hc != byte(xxh32(frame[4:6], 0)>>8):
		return f, fmt.Errorf("HC %#02x, want %#02x", hc, byte(xxh32(frame[4:6], 0)>>8))
	}
	p := frame[7:]
	for {
		if len(p) < 4 {
			return f, errors.New("stream ended prematurely")
		}
		size := binary.LittleEndian.Uint32(p)
		p = p[4:]
		if size == 0 {
			break
		}
		stored := size&lz4Uncompressed != 0
		size &^= lz4Uncompressed
		if size > lz4BlockSize || int(size) > len(p) {
			return f, fmt.Errorf("block size %d exceeds the maximum or the input", size)
		}
		if stored {
			f.content = append(f.content, p[:size]...)
			f.stored++
		} else {
			buf := make([]byte, lz4BlockSize)
			n, err := lz4.UncompressBlock(p[:size], buf)
			if err != nil {
				return f, fmt.Errorf("block %d: %w", f.blocks, err)
			}
			f.content = append(f.content, buf[:n]...)
		}
		f.blocks++
		p = p[size:]
	}
	if len(p) != 0 {
		return f, fmt.Errorf("%d bytes after the end mark", len(p))
	}
	return f, nil
}

func TestLZ4FrameHeaderIsLibrdkafkas(t *testing.T) {
	want := []byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, byte(xxh32([]byte{0x60, 0x40}, 0) >> 8)}
	if !bytes.Equal(lz4FrameHeader[:], want) {
		t.Fatalf("frame header % x, want % x", lz4FrameHeader, want)
	}
	out, err := mustNew(t, LZ4, DefaultLevel).AppendEncoded(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// An empty frame: header and end mark, as lz4frame writes for no input.
	if want := append(want, 0, 0, 0, 0); !bytes.Equal(out, want) {
		t.Fatalf("empty input encodes to % x, want % x", out, want)
	}
}

func TestLZ4FramesReadAsKafkasReaderReadsThem(t *testing.T) {
	inputs := testInputs(t)
	for _, level := range levelsFor(LZ4) {
		c := mustNew(t, LZ4, level)
		for _, in := range inputs {
			out, err := c.AppendEncoded(nil, in.data)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parseKafkaLZ4(out)
			if err != nil {
				t.Fatalf("level %d, %s: %v", level, in.name, err)
			}
			if !bytes.Equal(f.content, in.data) {
				t.Fatalf("level %d, %s: blocks decode to %d bytes, want the %d input bytes", level, in.name, len(f.content), len(in.data))
			}
			if want := (len(in.data) + lz4BlockSize - 1) / lz4BlockSize; f.blocks != want {
				t.Errorf("level %d, %s: %d blocks, want %d of at most 64 KiB", level, in.name, f.blocks, want)
			}
		}
	}
}

func TestLZ4StoresIncompressibleBlocksAsIs(t *testing.T) {
	src := append(randomBytes(2*lz4BlockSize, 5), jsonRecords(400, 6)[:lz4BlockSize]...)
	out, err := mustNew(t, LZ4, DefaultLevel).AppendEncoded(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseKafkaLZ4(out)
	if err != nil {
		t.Fatal(err)
	}
	if f.blocks != 3 || f.stored != 2 {
		t.Fatalf("got %d blocks of which %d stored, want 3 blocks with the 2 random ones stored", f.blocks, f.stored)
	}
	// Stored blocks cost 4 bytes each: the frame never grows more than that.
	if max := len(lz4FrameHeader) + 4*3 + len(src) + 4; len(out) > max {
		t.Fatalf("frame is %d bytes, more than the worst case %d", len(out), max)
	}
}

func TestLZ4DecodesFramesOtherWritersProduce(t *testing.T) {
	// Linked blocks, checksums and content sizes are not what Kafka
	// producers write, but they are valid frames and must decode.
	src := jsonRecords(2000, 8)
	for _, tt := range []struct {
		name string
		opts []lz4.Option
	}{
		{"4 MiB blocks with content checksum", []lz4.Option{lz4.BlockSizeOption(lz4.Block4Mb), lz4.ChecksumOption(true)}},
		{"block checksums", []lz4.Option{lz4.BlockSizeOption(lz4.Block64Kb), lz4.BlockChecksumOption(true)}},
		{"content size", []lz4.Option{lz4.SizeOption(uint64(len(src)))}},
		{"high compression", []lz4.Option{lz4.CompressionLevelOption(lz4.Level9)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := lz4.NewWriter(&buf)
			if err := w.Apply(tt.opts...); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(src); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := mustNew(t, LZ4, DefaultLevel).AppendDecoded(nil, buf.Bytes())
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("AppendDecoded = %d bytes, %v; want the %d input bytes", len(got), err, len(src))
			}
		})
	}
}
