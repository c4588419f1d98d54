package compress

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// allTypes lists every codec, none included.
var allTypes = []Type{None, Gzip, Snappy, LZ4, Zstd}

// levelsFor returns the compression.level values worth testing for t: every
// valid one for the codecs that use a level, and only the default for those
// that ignore it.
func levelsFor(t Type) []int {
	if t == None || t == Snappy {
		return []int{DefaultLevel}
	}
	levels := make([]int, 0, MaxLevel+2)
	for l := DefaultLevel; l <= MaxLevel; l++ {
		levels = append(levels, l)
	}
	return levels
}

// jsonRecords returns n deterministic JSON event records of about 200 bytes
// each, concatenated the way record values sit in a batch: the field names
// repeat, the values vary.
func jsonRecords(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	events := []string{"page_view", "click", "add_to_cart", "purchase", "signup", "logout"}
	countries := []string{"DE", "FR", "US", "BR", "JP", "IN", "NG", "AU"}
	b := make([]byte, 0, n*210)
	ts := int64(1_767_225_600_000)
	for i := range n {
		ts += int64(r.IntN(50))
		b = fmt.Appendf(b, `{"id":"%016x","ts":%d,"user":"%s-%d","event":"%s","country":"%s",`+
			`"session":"%08x","amount":%d.%02d,"items":%d,"ok":%t,"path":"/api/v2/items/%d","seq":%d}`,
			r.Uint64(), ts, users[r.IntN(len(users))], r.IntN(1000), events[r.IntN(len(events))],
			countries[r.IntN(len(countries))], r.Uint32(), r.IntN(500), r.IntN(100), r.IntN(10),
			r.IntN(4) != 0, r.IntN(100_000), i)
	}
	return b
}

// randomBytes returns n deterministic incompressible bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, ^seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// testInput is a payload the round-trip tests compress.
type testInput struct {
	name string
	data []byte
}

// testInputs returns the payloads every codec must round-trip: empty, tiny,
// exactly and just over an LZ4 block, incompressible, and about 1 MB of
// JSON-like records (the default batch.size).
func testInputs(tb testing.TB) []testInput {
	tb.Helper()
	json := jsonRecords(5000, 1)
	return []testInput{
		{"empty", []byte{}},
		{"one byte", []byte{'x'}},
		{"tiny text", []byte("hello, kafka")},
		{"one record", jsonRecords(1, 2)},
		{"64 KiB of records", json[:64<<10]},
		{"64 KiB plus one byte of records", json[:64<<10+1]},
		{"64 KiB of random bytes", randomBytes(64<<10, 3)},
		{"1 MB of random bytes", randomBytes(1<<20, 4)},
		{"1 MB of records", json[:1<<20]},
		{"1 MB of one repeated byte", make([]byte, 1<<20)},
	}
}

// mustNew returns a codec or fails the test.
func mustNew(tb testing.TB, t Type, level int) Codec {
	tb.Helper()
	c, err := New(t, level)
	if err != nil {
		tb.Fatalf("New(%v, %d): %v", t, level, err)
	}
	return c
}
