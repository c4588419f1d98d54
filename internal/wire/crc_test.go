package wire

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// combineCRC joins two CRC-32Cs as hash/crc32 computes the CRC of the
// whole, for every split of inputs of many lengths.
func TestCombineCRCMatchesWholeChecksum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 8, 61, 64, 1000, 4096, 100_003} {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		want := crc32.Checksum(buf, castagnoli)
		for _, at := range []int{0, 1, n / 3, n / 2, n - 1, n} {
			if at < 0 || at > n {
				continue
			}
			a, b := buf[:at], buf[at:]
			got := combineCRC(crc32.Checksum(a, castagnoli), crc32.Checksum(b, castagnoli), len(b))
			require.Equal(t, want, got, "length %d split at %d", n, at)
		}
	}
}

// A sum kept record by record with UpdateRecordsCRC, finished by
// PutBatchHeaderSum, gives the same bytes as PutBatchHeader reading the
// records, spread over several buffers or not.
func TestPutBatchHeaderSumMatchesPutBatchHeader(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	h := &BatchHeader{Attributes: AttrTransactional, LastOffsetDelta: 9, BaseTimestamp: 1700000000000, MaxTimestamp: 1700000000123,
		ProducerID: 4242, ProducerEpoch: 7, BaseSequence: 1 << 20, NumRecords: 10}
	first := AppendBatchHeaderSpace(nil)
	var more [][]byte
	var sum uint32
	total := 0
	for i := range 10 {
		rec := make([]byte, 1+r.IntN(3000))
		for j := range rec {
			rec[j] = byte(r.Uint32())
		}
		sum = UpdateRecordsCRC(sum, rec)
		total += len(rec)
		if i < 3 {
			first = append(first, rec...)
		} else {
			more = append(more, rec)
		}
	}
	want := bytes.Clone(first)
	PutBatchHeader(want, h, more...)
	got := bytes.Clone(first)
	PutBatchHeaderSum(got, h, total, sum)
	require.Equal(t, want[:BatchHeaderLen], got[:BatchHeaderLen])

	empty := AppendBatchHeaderSpace(nil)
	want, got = bytes.Clone(empty), bytes.Clone(empty)
	PutBatchHeader(want, h)
	PutBatchHeaderSum(got, h, 0, 0)
	require.Equal(t, want, got, "no records")
}

func BenchmarkCombineCRC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		combineCRC(0x12345678, 0x9abcdef0, 800_000)
	}
}
