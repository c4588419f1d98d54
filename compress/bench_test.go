package compress

import (
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
