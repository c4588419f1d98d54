package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQuickKprodAndFloor runs the whole harness in quick mode for kprod,
// kprod-chan and the floor (the harness without a library): it builds the
// client and broker, starts the broker process, runs every workload on a
// fresh topic, and prints the table.
func TestQuickKprodAndFloor(t *testing.T) {
	var md bytes.Buffer
	log := io.Discard
	if testing.Verbose() {
		log = tWriter{t}
	}
	start := time.Now()
	results, err := run(options{quick: true, clients: []string{"kprod", kprodChan, floorClient}, scale: 1, runs: 1, timeout: time.Minute}, &md, log)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(results), 3*len(workloads(true, 1)); got != want {
		t.Fatalf("got %d results, want one per client and workload (%d)", got, want)
	}
	for _, r := range results {
		if r.Err != "" || r.Failed > 0 || r.Delivered != int64(r.Settings.Messages) {
			t.Errorf("%s %s: delivered %d of %d, %d failed, error %q %q", r.Client, r.Workload, r.Delivered, r.Settings.Messages, r.Failed, r.Err, r.FirstError)
		}
		if r.MsgsPerS <= 0 || r.CPUPerMsg <= 0 || r.MaxRSS <= 0 || r.LatencySamples == 0 {
			t.Errorf("%s %s: got a result with empty measurements: %+v", r.Client, r.Workload, r.Result)
		}
	}
	out := md.String()
	for _, want := range []string{"| kprod |", "| kprod-chan |", "| floor |", "### 100B\n", "### 1KB-keyed-12p-zstd\n", "### 1KB-keyed-1000p\n", "### rate200k-linger0\n", "Quick mode"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	t.Logf("quick run took %v\n%s", time.Since(start).Round(time.Millisecond), out)
}

func TestMedianPicksTheMiddleSuccessfulRun(t *testing.T) {
	rs := []runResult{{Err: "boom"}, {}, {}, {}}
	rs[1].MsgsPerS, rs[2].MsgsPerS, rs[3].MsgsPerS = 10, 30, 20
	if got := median(rs).MsgsPerS; got != 20 {
		t.Errorf("got the run with %v msgs/s, want 20", got)
	}
	if got := median([]runResult{{Err: "boom"}}).Err; got != "boom" {
		t.Errorf("with only failed runs, got error %q, want the failed run", got)
	}
}

// tWriter sends the harness's progress to the test log.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestRenderKeepsTheBrokerColumnsWithTheFloor renders a -json file holding
// a kprod run, with its broker's counts, and a floor run, which sends the
// broker nothing: kprod's broker CPU must still show (the floor's empty
// counts once made the whole table read as run against an external broker).
func TestRenderKeepsTheBrokerColumnsWithTheFloor(t *testing.T) {
	kp := runResult{BrokerCPU: 500 * time.Millisecond, Broker: produceStats{Requests: 10, Batches: 10, Records: 1_000_000, Bytes: 110_000_000}}
	kp.Client, kp.Workload, kp.Delivered, kp.MsgsPerS, kp.CPUPerMsg = "kprod", "100B", 1_000_000, 1e6, 500*time.Nanosecond
	kp.Settings.Messages = 1_000_000
	fl := runResult{}
	fl.Client, fl.Workload, fl.Delivered, fl.MsgsPerS, fl.CPUPerMsg = floorClient, "100B", 1_000_000, 5e6, 300*time.Nanosecond
	fl.Settings.Messages = 1_000_000
	var file bytes.Buffer
	enc := json.NewEncoder(&file)
	for _, r := range []runResult{kp, fl} {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "runs.jsonl")
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := render(options{fromJSON: path, pick: "median"}, &md); err != nil {
		t.Fatal(err)
	}
	// broker CPU per message: 500 ms over 1,000,000 messages.
	if got := cell(t, md.String(), "kprod", "broker CPU µs/msg"); got != "0.50" {
		t.Errorf("kprod's broker CPU: got %q, want 0.50 µs/msg\n%s", got, md.String())
	}
}

// cell returns the cell in the column named header of the first table row
// of client in the markdown md.
func cell(t testing.TB, md, client, header string) string {
	t.Helper()
	col := -1
	for _, line := range strings.Split(md, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) > 1 && strings.TrimSpace(cells[1]) == "client" {
			col = slices.IndexFunc(cells, func(c string) bool { return strings.TrimSpace(c) == header })
		}
		if col > 0 && len(cells) > col && strings.TrimSpace(cells[1]) == client {
			return strings.TrimSpace(cells[col])
		}
	}
	t.Fatalf("no %q cell in a row of %s in:\n%s", header, client, md)
	return ""
}
