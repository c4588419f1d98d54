package compress

import (
	"bytes"
	"fmt"
	"os/exec"
	"testing"
)

// These tests check the formats against the reference C implementations,
// through the gzip, lz4 and zstd command-line tools: what we write they
// read, and what they write we read. Without a tool its test is skipped,
// saying which tool is missing.

// cliTool returns the path of a command-line tool, or skips the test.
func cliTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("SKIPPED: the %s command is not installed, so the format is not checked against the reference implementation: %v", name, err)
	}
	return path
}

// runFilter pipes in through the tool and returns its output.
func runFilter(t *testing.T, tool string, in []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v: %s", tool, args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

func interopInputs(t *testing.T) []testInput {
	t.Helper()
	json := jsonRecords(5000, 21)
	return []testInput{
		{"one record", jsonRecords(1, 22)},
		{"1 MB of records", json[:1<<20]},
		{"200 KB of random bytes", randomBytes(200<<10, 23)},
	}
}

func TestReferenceToolsDecodeWhatWeWrite(t *testing.T) {
	tools := map[Type]string{Gzip: "gzip", LZ4: "lz4", Zstd: "zstd"}
	for _, typ := range []Type{Gzip, LZ4, Zstd} {
		t.Run(typ.String(), func(t *testing.T) {
			tool := cliTool(t, tools[typ])
			for _, level := range []int{DefaultLevel, 1, 3, 9, 12} {
				c := mustNew(t, typ, level)
				for _, in := range interopInputs(t) {
					enc := mustEncode(t, c, in.data)
					if got := runFilter(t, tool, enc, "-d", "-c", "-q"); !bytes.Equal(got, in.data) {
						t.Errorf("level %d, %s: %s -d gave %d bytes, want the %d input bytes", level, in.name, tools[typ], len(got), len(in.data))
					}
				}
			}
		})
	}
}

func TestWeDecodeWhatReferenceToolsWrite(t *testing.T) {
	tests := []struct {
		typ  Type
		tool string
		args []string
	}{
		{Gzip, "gzip", []string{"-1"}},
		{Gzip, "gzip", []string{"-9"}},
		// lz4: librdkafka's frame (independent 64 KiB blocks, no
		// checksum), the CLI's defaults (4 MiB blocks, content
		// checksum), linked blocks, block checksums, content size, HC.
		{LZ4, "lz4", []string{"-1", "-BI", "-B4", "--no-frame-crc"}},
		{LZ4, "lz4", []string{"-1"}},
		{LZ4, "lz4", []string{"-BD", "-B4"}},
		{LZ4, "lz4", []string{"-BX", "-B5"}},
		{LZ4, "lz4", []string{"--content-size"}},
		{LZ4, "lz4", []string{"-12"}},
		// zstd: the CLI adds a content checksum by default.
		{Zstd, "zstd", []string{"-1"}},
		{Zstd, "zstd", []string{"-19"}},
		{Zstd, "zstd", []string{"-3", "--no-check"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.tool, tt.args), func(t *testing.T) {
			tool := cliTool(t, tt.tool)
			c := mustNew(t, tt.typ, DefaultLevel)
			for _, in := range interopInputs(t) {
				enc := runFilter(t, tool, in.data, append([]string{"-c", "-q"}, tt.args...)...)
				got, err := c.AppendDecoded(nil, enc)
				if err != nil || !bytes.Equal(got, in.data) {
					t.Errorf("%s: AppendDecoded = %d bytes, %v; want the %d input bytes", in.name, len(got), err, len(in.data))
				}
			}
		})
	}
}

func TestLZ4MatchesLz4frameByteForByteOnIncompressibleInput(t *testing.T) {
	// On incompressible input every block is stored as is, so the frame
	// depends on the framing alone; it must equal what lz4frame writes
	// with librdkafka's preferences.
	tool := cliTool(t, "lz4")
	src := randomBytes(3*lz4BlockSize+100, 24)
	want := runFilter(t, tool, src, "-c", "-q", "-1", "-BI", "-B4", "--no-frame-crc")
	got := mustEncode(t, mustNew(t, LZ4, DefaultLevel), src)
	if !bytes.Equal(got, want) {
		t.Fatalf("our frame (%d bytes) differs from lz4's (%d bytes); first bytes % x vs % x", len(got), len(want), got[:16], want[:16])
	}
}
