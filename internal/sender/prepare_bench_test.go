package sender

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/internal/wire"
)

// BenchmarkPrepareLZ4 compresses one batch of 800 keyed 1 KB records, as the
// bench workload 1KB-keyed-12p-lz4 fills a partition's batch: each value a
// 1000-byte window of JSON-like log lines, about every 12th message of the
// workload's sequence. The batch spans the accumulator's chunks.
func BenchmarkPrepareLZ4(b *testing.B) {
	acfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1 << 20, Linger: time.Hour, Pool: accumulator.NewPool(64 << 20)}
	p := NewPartition("t", 0, acfg)
	lines := logLines(300 << 10)
	for i := range 800 {
		m := 12*i + i*i%7
		key := fmt.Appendf(nil, "user-%06d", m*7919%1_000_000)
		off := m * 61 % (len(lines) - 1000)
		accumulator.Append(p.Queue, &accumulator.Record[wire.Header]{Timestamp: 1000, Key: key, Value: lines[off : off+1000], Ref: i}, 0)
	}
	batch, _ := p.Queue.Take(0, true, math.MaxInt)
	if batch == nil || len(batch.More) == 0 {
		b.Fatal("want one batch over several chunks")
	}
	codec, err := compress.New(compress.LZ4, compress.DefaultLevel)
	if err != nil {
		b.Fatal(err)
	}
	s := New(Config{Codec: codec}, nil, accumulator.NewClock(), nil)
	b.Cleanup(s.Close)
	var sc prepScratch
	prepare := func() {
		batch.Wire, batch.Attrs = nil, 0
		s.prepare(batch, &sc, 8, 7, 1, 0)
	}
	prepare() // the scratch space, and the ratio that sizes the output
	prepare()
	if batch.Attrs != int16(compress.LZ4) {
		b.Fatal("the batch went uncompressed")
	}
	b.ReportAllocs()
	b.SetBytes(int64(batch.RecordsLen()))
	for b.Loop() {
		prepare()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(batch.Records()), "ns/msg")
	b.ReportMetric(float64(batch.Size())/float64(batch.WireLen()), "ratio")
}

// logLines returns n bytes of JSON-like log lines, as the bench payload
// builds its values from: compressible about as well as event data.
func logLines(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	events := []string{"click", "view", "purchase", "login", "logout", "search", "scroll", "share"}
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}
	block := make([]byte, 0, n+256)
	for len(block) < n {
		block = fmt.Appendf(block, `{"id":%d,"user":"%s","event":"%s","path":"/p/%d/%d","ms":%d,"ok":%t}`+"\n",
			rng.Uint32(), users[rng.IntN(len(users))], events[rng.IntN(len(events))],
			rng.IntN(100), rng.IntN(1000), rng.IntN(5000), rng.IntN(10) > 0)
	}
	return block
}
