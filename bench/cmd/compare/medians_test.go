package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/kprod-go/kprod/bench/internal/spec"
)

// TestMediansOverTheRuns writes a workload of three runs each of kprod and
// franz-go: the medians table holds each column's own median, and the
// ratios are to franz-go's medians.
func TestMediansOverTheRuns(t *testing.T) {
	mk := func(client string, msgsPerS float64, user, sys, p99 time.Duration) runResult {
		var r runResult
		r.Client, r.Workload, r.MsgsPerS = client, "w", msgsPerS
		r.Settings.Messages, r.Delivered = 1000, 1000
		r.CPUUser, r.CPUSystem, r.CPUPerMsg = user, sys, (user+sys)/1000
		r.P99 = p99
		return r
	}
	ms := time.Millisecond
	kprod := []runResult{mk("kprod", 300, 1*ms, 1*ms, 9*ms), mk("kprod", 100, 3*ms, 0, 3*ms), mk("kprod", 200, 2*ms, 2*ms, 5*ms)}
	franz := []runResult{mk("franz-go", 100, 4*ms, 0, 1*ms), mk("franz-go", 150, 5*ms, 1*ms, 2*ms), mk("franz-go", 50, 6*ms, 0, 4*ms)}
	kprod = append(kprod, runResult{Err: "crashed"}) // not counted
	wr := workloadRows{w: workload{name: "w", s: spec.Defaults()}, results: []runResult{kprod[0], franz[0]}, runs: [][]runResult{kprod, franz}}
	var md bytes.Buffer
	writeMedians(&md, wr)
	// kprod: msgs/s 100, 200, 300; CPU 2, 3, 4 µs; user 1, 2, 3; sys 0, 1, 2; p99 3, 5, 9 ms.
	// franz-go: msgs/s 50, 100, 150; CPU 4, 6, 6 µs.
	for _, tt := range []struct{ client, header, want string }{
		{"kprod", "runs", "3"},
		{"kprod", "msgs/s", "200"},
		{"kprod", "CPU µs/msg", "3.00"},
		{"kprod", "user µs/msg", "2.00"},
		{"kprod", "sys µs/msg", "1.00"},
		{"kprod", "p99 ms", "5.00"},
		{"kprod", "msgs/s ÷ franz-go", "2.00"},
		{"kprod", "CPU ÷ franz-go", "0.50"},
		{"franz-go", "CPU µs/msg", "6.00"},
		{"franz-go", "msgs/s ÷ franz-go", "1.00"},
	} {
		if got := cell(t, md.String(), tt.client, tt.header); got != tt.want {
			t.Errorf("%s %s: got %s, want %s", tt.client, tt.header, got, tt.want)
		}
	}
	if t.Failed() {
		t.Log(md.String())
	}
}

func TestMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{5, 1, 3}, 3}} {
		if got := medianOf(tt.xs); got != tt.want {
			t.Errorf("medianOf(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

// TestWorkloadsWarmUp: unthrottled workloads warm up with their most
// outstanding messages, rate workloads with a short warm-up.
func TestWorkloadsWarmUp(t *testing.T) {
	for _, w := range workloads(false, 1) {
		want := w.s.MaxOutstanding
		if w.s.Rate > 0 {
			want = spec.RateWarmup
		}
		if w.s.Warmup != want {
			t.Errorf("%s: warm-up %d, want %d", w.name, w.s.Warmup, want)
		}
	}
}
