package compress

import (
	"bytes"
	"fmt"
	"testing"
)

// benchLevels are the levels the benchmarks run per codec: the default and
// the ends and middle of the range the codec distinguishes.
var benchLevels = map[Type][]int{
	None:   {DefaultLevel},
	Gzip:   {1, DefaultLevel, 9},
	Snappy: {DefaultLevel},
	LZ4:    {DefaultLevel, 3, 9, 12},
	Zstd:   {1, DefaultLevel, 6, 12},
}

// benchBatch is a realistic batch payload: 1000 JSON-like records of about
// 200 bytes, so about 200 KB.
var benchBatch = jsonRecords(1000, 42)

func benchName(c Codec, level int) string {
	if level == DefaultLevel {
		return fmt.Sprintf("%v/level=default(%d)", c.Type(), c.Level())
	}
	return fmt.Sprintf("%v/level=%d", c.Type(), c.Level())
}

func BenchmarkAppendEncoded(b *testing.B) {
	for _, t := range allTypes {
		for _, level := range benchLevels[t] {
			c := mustNew(b, t, level)
			b.Run(benchName(c, level), func(b *testing.B) {
				dst, err := c.AppendEncoded(nil, benchBatch)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(benchBatch)))
				for b.Loop() {
					if dst, err = c.AppendEncoded(dst[:0], benchBatch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(benchBatch))/float64(len(dst)), "ratio")
			})
		}
	}
}

func BenchmarkAppendDecoded(b *testing.B) {
	for _, t := range allTypes {
		c := mustNew(b, t, DefaultLevel)
		b.Run(benchName(c, DefaultLevel), func(b *testing.B) {
			enc, err := c.AppendEncoded(nil, benchBatch)
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, 0, len(benchBatch))
			b.ReportAllocs()
			b.SetBytes(int64(len(benchBatch)))
			for b.Loop() {
				if dst, err = c.AppendDecoded(dst[:0], enc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(benchBatch))/float64(len(enc)), "ratio")
		})
	}
}

// producerChunks returns a batch as the producer's accumulator holds it: n
// records of about 1 KB in 32 KiB chunks (accumulator.ChunkSize), a chunk
// ending where the next record would not fit. The records are one
// partition's share of the bench workload 1KB-keyed-12p, from its first-th
// on: message m carries a key and a 1000-byte window of JSON-like log lines
// starting 61*m bytes in, and about every 12th message lands in this
// partition.
func producerChunks(first, n int) [][]byte {
	const chunkSize = 32 << 10
	lines := jsonRecords(4096, 12)
	chunks := [][]byte{make([]byte, 0, chunkSize)}
	for i := first; i < first+n; i++ {
		m := 12*i + i*i%7 // the i-th message of this partition
		rec := fmt.Appendf(nil, "\x00\x00\x00user-%06d", m*7919%1_000_000)
		off := m * 61 % (len(lines) - 1000)
		rec = append(rec, lines[off:off+1000]...)
		if last := chunks[len(chunks)-1]; cap(last)-len(last) < len(rec) {
			chunks = append(chunks, make([]byte, 0, chunkSize))
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], rec...)
	}
	return chunks
}

// producerBatches returns 32 batches of 800 records from producerChunks,
// 25 MB in all: a benchmark that takes them in turn reads each batch's
// records from memory rather than from a cache still warm from its last
// turn, as the sender reads records written a linger earlier. It also
// returns the size of a batch, about 800 KB.
func producerBatches() ([][][]byte, int) {
	batches := make([][][]byte, 32)
	for i := range batches {
		batches[i] = producerChunks(800*i, 800)
	}
	n := 0
	for _, ch := range batches[0] {
		n += len(ch)
	}
	return batches, n
}

// BenchmarkLZ4Chunks compresses 800-record batches held in the
// accumulator's chunks: gathered into one buffer first, as the sender does
// for codecs without ChunkEncoder, or read from the chunks; and, as the
// bound on what not gathering can save, the same records already held in
// one piece.
func BenchmarkLZ4Chunks(b *testing.B) {
	c := mustNew(b, LZ4, DefaultLevel)
	batches, n := producerBatches()
	joined := make([][]byte, len(batches))
	for i, chunks := range batches {
		joined[i] = bytes.Join(chunks, nil)
	}
	dst, err := c.AppendEncoded(nil, joined[0])
	if err != nil {
		b.Fatal(err)
	}
	dst = make([]byte, 0, 2*cap(dst)) // room, as the sender's estimate leaves
	b.Run("gather", func(b *testing.B) {
		gather := make([]byte, 0, n+n/8)
		b.ReportAllocs()
		b.SetBytes(int64(n))
		i := 0
		for b.Loop() {
			gather = gather[:0]
			for _, ch := range batches[i%len(batches)] {
				gather = append(gather, ch...)
			}
			if dst, err = c.AppendEncoded(dst[:0], gather); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("contiguous", func(b *testing.B) { // the bound: records already in one piece
		b.ReportAllocs()
		b.SetBytes(int64(n))
		i := 0
		for b.Loop() {
			if dst, err = c.AppendEncoded(dst[:0], joined[i%len(joined)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("chunks", func(b *testing.B) {
		ce := c.(ChunkEncoder)
		if dst, err = ce.AppendEncodedChunks(dst[:0], batches[0]); err != nil { // the encoder's joining block
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(n))
		i := 0
		for b.Loop() {
			if dst, err = ce.AppendEncodedChunks(dst[:0], batches[i%len(batches)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(n)/float64(len(dst)), "ratio")
	})
}

// BenchmarkLZ4ChunkBlocks measures what the sender would gain by ending an
// LZ4 block at every chunk's end: nothing is copied, but the frame is no
// longer AppendEncoded's, and its blocks are half as long. The frame is
// still one Kafka reads; kprod does not write it.
func BenchmarkLZ4ChunkBlocks(b *testing.B) {
	c := mustNew(b, LZ4, DefaultLevel).(*lz4Codec)
	batches, n := producerBatches()
	dst := make([]byte, 0, 2*n)
	b.ReportAllocs()
	b.SetBytes(int64(n))
	i := 0
	for b.Loop() {
		dst = append(dst[:0], lz4FrameHeader[:]...)
		e := c.encoders.get()
		for _, ch := range batches[i%len(batches)] {
			dst = e.appendBlock(dst, ch)
		}
		c.encoders.put(e)
		dst = append(dst, 0, 0, 0, 0)
		i++
	}
	b.ReportMetric(float64(n)/float64(len(dst)), "ratio")
}
