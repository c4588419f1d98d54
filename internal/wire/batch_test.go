package wire

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testRecord is one record as a test describes it.
type testRecord struct {
	tsDelta int64
	key     []byte
	value   []byte
	headers []Header
}

// encodeBatch builds a full v2 batch of recs with our encoder.
func encodeBatch(recs []testRecord, baseTs int64) []byte {
	buf := AppendBatchHeaderSpace(nil)
	maxTs := baseTs
	for i, r := range recs {
		body := RecordBodyLen(r.tsDelta, int32(i), r.key, r.value, len(r.headers), HeadersLen(r.headers))
		buf = AppendRecord(buf, body, r.tsDelta, int32(i), r.key, r.value, r.headers)
		maxTs = max(maxTs, baseTs+r.tsDelta)
	}
	PutBatchHeader(buf, &BatchHeader{
		LastOffsetDelta: int32(len(recs) - 1),
		BaseTimestamp:   baseTs,
		MaxTimestamp:    maxTs,
		ProducerID:      NoProducerID,
		ProducerEpoch:   NoProducerEpoch,
		BaseSequence:    NoSequence,
		NumRecords:      int32(len(recs)),
	})
	return buf
}

// decodeWithKmsg reads a batch with franz-go's kmsg, an independent decoder,
// and checks the CRC the way a broker does.
func decodeWithKmsg(t testing.TB, batch []byte) (kmsg.RecordBatch, []kmsg.Record) {
	t.Helper()
	var b kmsg.RecordBatch
	require.NoError(t, b.ReadFrom(batch))
	require.Equal(t, int8(2), b.Magic)
	require.Equal(t, int32(len(batch)-12), b.Length)
	require.Equal(t, int32(crc32.Checksum(batch[21:], crc32.MakeTable(crc32.Castagnoli))), b.CRC)
	recs := make([]kmsg.Record, b.NumRecords)
	rest := b.Records
	for i := range recs {
		n, size := varintAt(rest)
		require.Positive(t, size)
		require.NoError(t, recs[i].ReadFrom(rest[:size+int(n)]))
		rest = rest[size+int(n):]
	}
	require.Empty(t, rest, "bytes left after the last record")
	return b, recs
}

// varintAt reads a zigzag varint, returning it and its width.
func varintAt(b []byte) (int32, int) {
	var u uint32
	for i := 0; i < len(b) && i < 5; i++ {
		u |= uint32(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return int32(u>>1) ^ -int32(u&1), i + 1
		}
	}
	return 0, 0
}

func TestBatchesDecodeWithAnIndependentDecoder(t *testing.T) {
	cases := []struct {
		name string
		recs []testRecord
	}{
		{"a single record with key and value", []testRecord{{key: []byte("k"), value: []byte("v")}}},
		{"null key and null value are -1 lengths", []testRecord{{}}},
		{"empty key and value are zero lengths", []testRecord{{key: []byte{}, value: []byte{}}}},
		{"headers keep order, and a nil header value stays null", []testRecord{{value: []byte("x"), headers: []Header{{"a", []byte("1")}, {"b", nil}, {"a", []byte{}}}}}},
		{"negative timestamp deltas are allowed", []testRecord{{tsDelta: 0}, {tsDelta: -5}, {tsDelta: 1 << 40}}},
		{"large values need multi-byte varints", []testRecord{{key: bytes.Repeat([]byte("k"), 300), value: bytes.Repeat([]byte("v"), 70000)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const baseTs = 1_700_000_000_000
			b, recs := decodeWithKmsg(t, encodeBatch(tc.recs, baseTs))
			require.Equal(t, int64(baseTs), b.FirstTimestamp)
			require.Equal(t, int64(-1), b.ProducerID)
			require.Equal(t, int32(-1), b.FirstSequence)
			require.Len(t, recs, len(tc.recs))
			for i, want := range tc.recs {
				got := recs[i]
				require.Equal(t, int32(i), got.OffsetDelta)
				require.Equal(t, want.tsDelta, got.TimestampDelta64)
				require.Equal(t, want.key, got.Key)
				require.Equal(t, want.value, got.Value)
				require.Len(t, got.Headers, len(want.headers))
				for j, h := range want.headers {
					require.Equal(t, h.Key, got.Headers[j].Key)
					require.Equal(t, h.Value, got.Headers[j].Value)
				}
			}
		})
	}
}

// The record encoder's varints are protobuf's zigzag varints, which
// encoding/binary's AppendVarint writes too: it is the reference here.
func TestVarintWidthsMatchTheirEncoding(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, -64, 64, 1 << 20, -(1 << 20), 1<<31 - 1, -1 << 31, 1 << 62, -1 << 63} {
		want := binary.AppendVarint(nil, v)
		got := make([]byte, binary.MaxVarintLen64)
		got = got[:putVarint(got, v)]
		require.Equal(t, want, got, "putVarint(%d)", v)
		require.Equal(t, len(want), VarlongLen(v), "VarlongLen(%d)", v)
		if v == int64(int32(v)) {
			require.Equal(t, len(want), VarintLen(int32(v)), "VarintLen(%d)", v)
		}
	}
}

func TestAppendRecordAllocatesNothingWithRoom(t *testing.T) {
	buf := make([]byte, 0, 4096)
	key, value := []byte("key"), bytes.Repeat([]byte("v"), 100)
	hdrs := []Header{{"h", []byte("v")}}
	allocs := testing.AllocsPerRun(100, func() {
		body := RecordBodyLen(3, 7, key, value, 1, HeadersLen(hdrs))
		buf = AppendRecord(buf[:0], body, 3, 7, key, value, hdrs)
	})
	require.Zero(t, allocs)
}

func FuzzRecordBatchRoundTrip(f *testing.F) {
	f.Add([]byte("key"), []byte("value"), "hk", []byte("hv"), int64(0), uint8(1))
	f.Add([]byte(nil), []byte(nil), "", []byte(nil), int64(-1), uint8(3))
	f.Add([]byte{}, bytes.Repeat([]byte{0xff}, 300), "x", []byte{}, int64(1<<40), uint8(0))
	f.Fuzz(func(t *testing.T, key, value []byte, hk string, hv []byte, tsDelta int64, n uint8) {
		var hdrs []Header
		if hk != "" {
			hdrs = []Header{{hk, hv}}
		}
		recs := make([]testRecord, int(n%8)+1)
		for i := range recs {
			recs[i] = testRecord{tsDelta: tsDelta + int64(i), key: key, value: value, headers: hdrs}
		}
		_, got := decodeWithKmsg(t, encodeBatch(recs, 1_000))
		for i := range recs {
			if !bytes.Equal(got[i].Key, key) || (key == nil) != (got[i].Key == nil) {
				t.Fatalf("record %d key: got %q, want %q", i, got[i].Key, key)
			}
			if !bytes.Equal(got[i].Value, value) || (value == nil) != (got[i].Value == nil) {
				t.Fatalf("record %d value: got %q, want %q", i, got[i].Value, value)
			}
			if got[i].TimestampDelta64 != tsDelta+int64(i) {
				t.Fatalf("record %d timestamp delta: got %d, want %d", i, got[i].TimestampDelta64, tsDelta+int64(i))
			}
		}
	})
}

func BenchmarkAppendRecord(b *testing.B) {
	buf := make([]byte, 0, 1<<20)
	value := bytes.Repeat([]byte("v"), 100)
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	for b.Loop() {
		if len(buf) > 1<<19 {
			buf = buf[:0]
		}
		body := RecordBodyLen(5, 100, nil, value, 0, 0)
		buf = AppendRecord[Header](buf, body, 5, 100, nil, value, nil)
	}
}

func BenchmarkPutBatchHeader(b *testing.B) {
	buf := encodeBatch(make([]testRecord, 1000), 0)
	h := BatchHeader{NumRecords: 1000}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		PutBatchHeader(buf, &h)
	}
}

func TestPutBatchHeaderOverChunksMatchesOneBuffer(t *testing.T) {
	recs := []testRecord{{value: []byte("one")}, {value: bytes.Repeat([]byte("two"), 500)}, {key: []byte("k"), value: []byte("three")}}
	whole := encodeBatch(recs, 1000)
	h := BatchHeader{LastOffsetDelta: 2, BaseTimestamp: 1000, MaxTimestamp: 1000, ProducerID: 7, ProducerEpoch: 1, BaseSequence: 9, NumRecords: 3}
	PutBatchHeader(whole, &h)
	for _, cuts := range [][]int{{BatchHeaderLen + 10}, {BatchHeaderLen, BatchHeaderLen + 100, len(whole) - 1}} {
		split := append([]byte(nil), whole...)
		first := split[:cuts[0]]
		var more [][]byte
		for i, c := range cuts {
			end := len(split)
			if i+1 < len(cuts) {
				end = cuts[i+1]
			}
			more = append(more, split[c:end])
		}
		clear(first[:BatchHeaderLen])
		PutBatchHeader(first, &h, more...)
		require.Equal(t, whole, split, "cut at %v", cuts)
	}
}
