package partitioner

import (
	"bufio"
	"compress/gzip"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
)

// vectorRow is one key of testdata/librdkafka_vectors.txt.gz with the
// partitions librdkafka's partitioner functions chose for it.
type vectorRow struct {
	key    []byte // nil for a NULL key
	groups []vectorGroup
}

type vectorGroup struct {
	n                          int32
	consistent, murmur2, fnv1a int32
}

// loadVectors reads the vectors testdata/gen_librdkafka_vectors.c wrote
// with librdkafka itself.
func loadVectors(tb testing.TB) []vectorRow {
	tb.Helper()
	f, err := os.Open("testdata/librdkafka_vectors.txt.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var rows []vectorRow
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 2 {
			tb.Fatalf("vectors line %d: %q has no partition groups", line, text)
		}
		var row vectorRow
		switch fields[0] {
		case "-":
		case "=":
			row.key = []byte{}
		default:
			if row.key, err = hex.DecodeString(fields[0]); err != nil {
				tb.Fatalf("vectors line %d: %v", line, err)
			}
		}
		for _, g := range fields[1:] {
			var v [4]int64
			parts := strings.Split(g, ":")
			if len(parts) != 4 {
				tb.Fatalf("vectors line %d: group %q is not N:C:M:F", line, g)
			}
			for i, s := range parts {
				if v[i], err = strconv.ParseInt(s, 10, 32); err != nil {
					tb.Fatalf("vectors line %d: %v", line, err)
				}
			}
			row.groups = append(row.groups, vectorGroup{int32(v[0]), int32(v[1]), int32(v[2]), int32(v[3])})
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(rows) < 2000 {
		tb.Fatalf("vectors file has %d keys, want at least 2000", len(rows))
	}
	return rows
}

// Every key (NULL, empty, text and binary) and partition count in the
// vectors file must go where librdkafka put it, through New, with and
// without sticky partitioning, for every partitioner that is deterministic
// for that key.
func TestPartitionersMatchLibrdkafkaVectors(t *testing.T) {
	rows := loadVectors(t)
	type column int
	const (
		consistent column = iota
		murmur2
		fnv1a
	)
	tests := []struct {
		name string
		col  column
		// applies reports whether the partitioner is deterministic for key.
		applies func(key []byte) bool
	}{
		{NameConsistent, consistent, func([]byte) bool { return true }},
		{NameConsistentRandom, consistent, func(k []byte) bool { return len(k) > 0 }},
		{NameMurmur2, murmur2, func([]byte) bool { return true }},
		{NameMurmur2Random, murmur2, func(k []byte) bool { return k != nil }},
		{NameFNV1a, fnv1a, func([]byte) bool { return true }},
		{NameFNV1aRandom, fnv1a, func(k []byte) bool { return k != nil }},
		// Java's keyed placement is librdkafka's murmur2.
		{NameUniformSticky, murmur2, func(k []byte) bool { return k != nil }},
	}
	checked := 0
	for _, tt := range tests {
		for _, linger := range []int{0, 10} {
			p := mustNew(t, Config{Name: tt.name, StickyLinger: ms(linger), Adaptive: true})
			for _, row := range rows {
				if !tt.applies(row.key) {
					continue
				}
				for _, g := range row.groups {
					want := [...]int32{g.consistent, g.murmur2, g.fnv1a}[tt.col]
					if got := p.Partition(row.key, g.n, nil); got != want {
						t.Fatalf("%s (sticky %d ms) put key %s among %d partitions on %d, librdkafka chose %d",
							tt.name, linger, keyString(row.key), g.n, got, want)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d keys, %d partition choices agree with librdkafka", len(rows), checked)
}

func keyString(key []byte) string {
	switch {
	case key == nil:
		return "NULL"
	case len(key) == 0:
		return `""`
	}
	return strconv.Quote(string(key))
}
