package compress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// cut splits src into chunks of the given sizes, repeated in turn, so that
// their concatenation is src; a size of 0 puts an empty chunk there.
func cut(src []byte, sizes ...int) [][]byte {
	var chunks [][]byte
	for i := 0; len(src) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(src))
		chunks = append(chunks, src[:n:n]) // no spare capacity for an overrun to write into
		src = src[n:]
	}
	return chunks
}

// chunkings are the ways TestLZ4ChunksEncodeAsTheirConcatenation cuts a
// payload: chunks smaller than, equal to and larger than an LZ4 block, the
// accumulator's 32 KiB chunks filled as records leave them, empty chunks
// among the others, and sizes that put block boundaries everywhere.
var chunkings = []struct {
	name  string
	sizes []int
}{
	{"one chunk", []int{1 << 30}},
	{"one byte each", []int{1}},
	{"7 bytes each", []int{7}},
	{"a block less one", []int{lz4BlockSize - 1}},
	{"a block each", []int{lz4BlockSize}},
	{"a block plus one", []int{lz4BlockSize + 1}},
	{"two and a half blocks", []int{5 * lz4BlockSize / 2}},
	{"accumulator chunks", []int{32<<10 - 700, 32<<10 - 13, 32<<10 - 1024}},
	{"empty chunks between", []int{0, 1000, 0, 0, 40000, 0}},
	{"empty first and last", []int{0, lz4BlockSize, 3}},
	{"uneven", []int{1, lz4BlockSize - 2, 2, 100, 70000, lz4BlockSize, 5000}},
}

func TestLZ4ChunksEncodeAsTheirConcatenation(t *testing.T) {
	json := jsonRecords(1500, 7) // about 300 KB
	inputs := []testInput{
		{"records", json},
		{"random bytes", randomBytes(200<<10, 8)},
		{"records then random bytes", append(json[:100<<10:100<<10], randomBytes(100<<10, 9)...)},
		{"zeros", make([]byte, 150<<10)},
		{"one record", jsonRecords(1, 10)},
	}
	for _, level := range benchLevels[LZ4] {
		c := mustNew(t, LZ4, level).(*lz4Codec)
		for _, in := range inputs {
			want := mustEncode(t, c, in.data)
			for _, ch := range chunkings {
				t.Run(fmt.Sprintf("level=%d/%s/%s", c.Level(), in.name, ch.name), func(t *testing.T) {
					chunks := cut(in.data, ch.sizes...)
					checkChunks(t, c, chunks, want)
				})
			}
		}
	}
}

func TestLZ4ChunksEncodeNothingAsAnEmptyFrame(t *testing.T) {
	c := mustNew(t, LZ4, DefaultLevel).(*lz4Codec)
	want := mustEncode(t, c, nil)
	for _, chunks := range [][][]byte{nil, {}, {nil}, {{}, nil, {}}} {
		checkChunks(t, c, chunks, want)
	}
}

// checkChunks checks that c encodes chunks to want, into a dst without room
// and into one with room after a prefix.
func checkChunks(t *testing.T, c *lz4Codec, chunks [][]byte, want []byte) {
	t.Helper()
	got, err := c.AppendEncodedChunks(nil, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("into an empty dst: got %d bytes, want AppendEncoded's %d, first difference at %d", len(got), len(want), firstDiff(got, want))
	}
	prefix := []byte("prefix")
	dst := append(make([]byte, 0, len(prefix)+2*len(want)+1<<10), prefix...)
	got, err = c.AppendEncodedChunks(dst, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("into a dst with room: got %d bytes, want the prefix and AppendEncoded's %d, first difference at %d",
			len(got), len(prefix)+len(want), firstDiff(got[len(prefix):], want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestLZ4ChunksAllocateNothingInSteadyState(t *testing.T) {
	c := mustNew(t, LZ4, DefaultLevel).(*lz4Codec)
	chunks := cut(jsonRecords(1000, 11), 32<<10-500)
	first, err := c.AppendEncodedChunks(nil, chunks)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, len(first))
	allocs := testing.AllocsPerRun(10, func() {
		if dst, err = c.AppendEncodedChunks(dst[:0], chunks); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendEncodedChunks made %v allocations per call, want 0", allocs)
	}
}

func TestOnlyLZ4EncodesChunks(t *testing.T) {
	for _, typ := range allTypes {
		_, ok := mustNew(t, typ, DefaultLevel).(ChunkEncoder)
		if ok != (typ == LZ4) {
			t.Errorf("%v implements ChunkEncoder: %v, want %v", typ, ok, typ == LZ4)
		}
	}
}

// FuzzLZ4Chunks checks AppendEncodedChunks against AppendEncoded on the
// concatenation. The payload is data stretched to length bytes, so that it
// spans blocks, and cuts gives the chunk sizes, two bytes each.
func FuzzLZ4Chunks(f *testing.F) {
	codecs := map[bool]*lz4Codec{
		false: mustNew(f, LZ4, DefaultLevel).(*lz4Codec),
		true:  mustNew(f, LZ4, 9).(*lz4Codec),
	}
	f.Add(jsonRecords(3, 1), uint32(200<<10), []byte{0x00, 0x80, 0x00, 0x00, 0xff, 0xff}, false)
	f.Add(randomBytes(500, 2), uint32(lz4BlockSize), []byte{0x00, 0x01}, false)
	f.Add([]byte("kafka"), uint32(3*lz4BlockSize+5), []byte{0x01, 0x00, 0x00, 0x40}, true)
	f.Fuzz(func(t *testing.T, data []byte, length uint32, cuts []byte, hc bool) {
		src := stretch(data, int(length%(300<<10)))
		var sizes []int
		total := 0
		for i := 0; i+1 < len(cuts); i += 2 {
			n := int(binary.LittleEndian.Uint16(cuts[i:]))
			sizes, total = append(sizes, n), total+n
		}
		if total == 0 {
			sizes = append(sizes, 1<<30) // cut needs a size above 0 to end
		}
		c := codecs[hc]
		want := mustEncode(t, c, src)
		got, err := c.AppendEncodedChunks(nil, cut(src, sizes...))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("AppendEncodedChunks = %d bytes, %v; want AppendEncoded's %d bytes, first difference at %d",
				len(got), err, len(want), firstDiff(got, want))
		}
	})
}

// stretch repeats data, each copy with its first byte changed, to n bytes:
// compressible in places, not a single repeated pattern.
func stretch(data []byte, n int) []byte {
	if len(data) == 0 {
		return make([]byte, n)
	}
	out := make([]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		at := len(out)
		out = append(out, data[:min(len(data), n-len(out))]...)
		out[at] += byte(i)
	}
	return out
}
