package accumulator

import (
	"bytes"
	"hash/crc32"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/wire"
	"github.com/stretchr/testify/require"
)

// With SumRecords, a batch's RecordsCRC is the CRC-32C of its records as
// they lie in its chunks, several of them here; without it, no sum is
// kept.
func TestSumRecordsIsTheCRCOfTheRecords(t *testing.T) {
	for _, sum := range []bool{true, false} {
		q := NewQueue(&Config{MaxBytes: 1 << 20, MaxRecords: 10_000, Linger: time.Hour, Pool: NewPool(0), SumRecords: sum})
		for i := range 100 {
			Append(q, &Record[wire.Header]{Timestamp: 1000 + int64(i), Key: []byte{byte(i)}, Value: bytes.Repeat([]byte{byte(i)}, 1000+i)}, 0)
		}
		b, _ := q.Take(0, true, 1<<20)
		require.NotEmpty(t, b.More, "the records span several chunks")
		require.Equal(t, sum, b.Summed)
		if !sum {
			require.Zero(t, b.RecordsCRC)
			continue
		}
		want := crc32.Checksum(b.AppendRecords(nil), crc32.MakeTable(crc32.Castagnoli))
		require.Equal(t, want, b.RecordsCRC)
		Release(b)
	}
}
