package compress

import (
	"errors"
	"strings"
	"testing"
)

func TestTypeStringNamesLibrdkafkaValues(t *testing.T) {
	want := map[Type]string{None: "none", Gzip: "gzip", Snappy: "snappy", LZ4: "lz4", Zstd: "zstd", 5: "Type(5)", -1: "Type(-1)"}
	for typ, name := range want {
		if got := typ.String(); got != name {
			t.Errorf("Type(%d).String() = %q, want %q", int8(typ), got, name)
		}
	}
}

func TestTypeIDsMatchTheRecordBatchAttributes(t *testing.T) {
	// Bits 0-2 of a record batch's attributes, per the Kafka protocol.
	want := map[Type]int8{None: 0, Gzip: 1, Snappy: 2, LZ4: 3, Zstd: 4}
	for typ, id := range want {
		if int8(typ) != id {
			t.Errorf("%v has id %d, want %d", typ, int8(typ), id)
		}
	}
}

func TestParseType(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Type
	}{
		{"each value parses to its codec", "zstd", Zstd},
		{"none parses", "none", None},
		{"gzip parses", "gzip", Gzip},
		{"snappy parses", "snappy", Snappy},
		{"lz4 parses", "lz4", LZ4},
		{"case is ignored as librdkafka does", "LZ4", LZ4},
		{"surrounding space is ignored as librdkafka does", "  GZip\t", Gzip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseType(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("ParseType(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseTypeRejectsUnknownValuesNamingTheProperty(t *testing.T) {
	for _, in := range []string{"", "brotli", "inherit", "lz4hc", "gzip,lz4"} {
		_, err := ParseType(in)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("ParseType(%q) error = %v, want ErrInvalidConfig", in, err)
		}
		if !strings.Contains(err.Error(), `"compression.type"`) {
			t.Errorf("ParseType(%q) error %q does not name compression.type", in, err)
		}
	}
}

func TestParseTypeRoundTripsString(t *testing.T) {
	for _, typ := range allTypes {
		got, err := ParseType(typ.String())
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v; want %v", typ.String(), got, err, typ)
		}
	}
}

func TestMinProduceVersionIsSevenForZstdOnly(t *testing.T) {
	want := map[Type]int16{None: 0, Gzip: 0, Snappy: 0, LZ4: 0, Zstd: 7}
	for typ, v := range want {
		if got := MinProduceVersion(typ); got != v {
			t.Errorf("MinProduceVersion(%v) = %d, want %d", typ, got, v)
		}
	}
}

func TestNewRejectsLevelsOutsideTheConfigurationRange(t *testing.T) {
	for _, typ := range allTypes {
		for _, level := range []int{-2, 13, 22, -100} {
			c, err := New(typ, level)
			if !errors.Is(err, ErrInvalidConfig) || c != nil {
				t.Fatalf("New(%v, %d) = %v, %v; want nil, ErrInvalidConfig", typ, level, c, err)
			}
			if !strings.Contains(err.Error(), `"compression.level"`) {
				t.Errorf("New(%v, %d) error %q does not name compression.level", typ, level, err)
			}
		}
	}
}

func TestNewRejectsUnknownTypesNamingTheProperty(t *testing.T) {
	for _, typ := range []Type{5, 7, -1} {
		_, err := New(typ, DefaultLevel)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `"compression.type"`) {
			t.Errorf("New(%v) error = %v, want ErrInvalidConfig naming compression.type", typ, err)
		}
	}
}

func TestLevelResolvesAsLibrdkafkaDoes(t *testing.T) {
	tests := []struct {
		name  string
		typ   Type
		level int
		want  int
	}{
		{"gzip -1 is zlib's default 6", Gzip, -1, 6},
		{"gzip 0 stays 0, stored as zlib does", Gzip, 0, 0},
		{"gzip 9 stays 9", Gzip, 9, 9},
		{"gzip 10 clamps to 9", Gzip, 10, 9},
		{"gzip 12 clamps to 9", Gzip, 12, 9},
		{"lz4 -1 is 0, the fast compressor", LZ4, -1, 0},
		{"lz4 2 stays 2", LZ4, 2, 2},
		{"lz4 12 stays 12", LZ4, 12, 12},
		{"zstd -1 is 3", Zstd, -1, 3},
		{"zstd 0 is zstd's default 3", Zstd, 0, 3},
		{"zstd 1 stays 1", Zstd, 1, 1},
		{"zstd 12 stays 12", Zstd, 12, 12},
		{"snappy ignores the level", Snappy, 9, 0},
		{"none ignores the level", None, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.typ, tt.level)
			if c.Type() != tt.typ {
				t.Errorf("Type() = %v, want %v", c.Type(), tt.typ)
			}
			if got := c.Level(); got != tt.want {
				t.Errorf("Level() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestHigherLevelsCompressRecordsAtLeastAsWell(t *testing.T) {
	// Levels that map to different settings must not compress worse; a
	// broken mapping (a level silently ignored) shows up here.
	src := jsonRecords(2000, 7)
	for _, tt := range []struct {
		typ    Type
		levels []int
	}{
		{Gzip, []int{1, 6, 9}},
		{LZ4, []int{0, 3, 6, 9, 12}},
		{Zstd, []int{1, 6, 12}},
	} {
		prev := len(src) + 1
		for _, level := range tt.levels {
			out, err := mustNew(t, tt.typ, level).AppendEncoded(nil, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) > prev {
				t.Errorf("%v level %d: %d bytes, more than the lower level's %d", tt.typ, level, len(out), prev)
			}
			prev = len(out)
		}
	}
}
