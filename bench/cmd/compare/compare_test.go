package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// TestQuickKprodAndFloor runs the whole harness in quick mode for kprod and the
// floor (the harness without a library): it builds the client and broker,
// starts the broker process, runs every workload on a fresh topic, and
// prints the table.
func TestQuickKprodAndFloor(t *testing.T) {
	var md bytes.Buffer
	log := io.Discard
	if testing.Verbose() {
		log = tWriter{t}
	}
	start := time.Now()
	results, err := run(options{quick: true, clients: []string{"kprod", floorClient}, scale: 1, runs: 1, timeout: time.Minute}, &md, log)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(results), 2*len(workloads(true, 1)); got != want {
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
	for _, want := range []string{"| kprod |", "| floor |", "### 100B\n", "### 1KB-keyed-12p-zstd\n", "Quick mode"} {
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
