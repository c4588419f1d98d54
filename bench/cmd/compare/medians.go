package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/kprod-go/kprod/bench/internal/spec"
)

// ratioBase is the client the medians table divides by: issue 19 states
// its goals against franz-go (CPU per message at most 0.8 of franz-go's,
// throughput at least 1.2 times).
const ratioBase = "franz-go"

// medians are one client's medians over its successful runs, each value
// the median of its own column.
type medians struct {
	runs           int // successful runs
	msgsPerS       float64
	cpu, user, sys float64 // µs per message
	p50, p99, p999 float64 // ms
}

// medianRuns returns the medians of the runs that delivered every message.
func medianRuns(rs []runResult) medians {
	var tput, cpu, user, sys, p50, p99, p999 []float64
	for _, r := range rs {
		if !ok(r) {
			continue
		}
		tput = append(tput, r.MsgsPerS)
		cpu = append(cpu, micros(r.CPUPerMsg))
		user = append(user, perMsg(r.CPUUser, r.Delivered))
		sys = append(sys, perMsg(r.CPUSystem, r.Delivered))
		p50 = append(p50, millis(r.P50))
		p99 = append(p99, millis(r.P99))
		p999 = append(p999, millis(r.P999))
	}
	return medians{
		runs: len(tput), msgsPerS: medianOf(tput),
		cpu: medianOf(cpu), user: medianOf(user), sys: medianOf(sys),
		p50: medianOf(p50), p99: medianOf(p99), p999: medianOf(p999),
	}
}

// medianOf returns the median of xs: the middle value, or the mean of the
// two middle ones; 0 for none.
func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// writeMedians writes the workload's medians over the runs, per client,
// with ratios to franz-go's medians.
func writeMedians(w io.Writer, wr workloadRows) {
	ms := make([]medians, len(wr.runs))
	var base *medians
	for i, rs := range wr.runs {
		ms[i] = medianRuns(rs)
		if wr.results[i].Client == ratioBase && ms[i].runs > 0 {
			base = &ms[i]
		}
	}
	fmt.Fprintf(w, "Medians over the runs (each column's own median over the runs that delivered every message):\n\n")
	fmt.Fprintf(w, "| client | runs | msgs/s | CPU µs/msg | user µs/msg | sys µs/msg | p50 ms | p99 ms | p99.9 ms | msgs/s ÷ %s | CPU ÷ %s |\n", ratioBase, ratioBase)
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for i, m := range ms {
		if m.runs == 0 {
			fmt.Fprintf(w, "| %s | 0 | | | | | | | | | |\n", wr.results[i].Client)
			continue
		}
		tput, cpu := "-", "-"
		if base != nil {
			tput = fmt.Sprintf("%.2f", m.msgsPerS/base.msgsPerS)
			cpu = fmt.Sprintf("%.2f", m.cpu/base.cpu)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |\n",
			wr.results[i].Client, m.runs, spec.Count(int(m.msgsPerS+0.5)), m.cpu, m.user, m.sys,
			m.p50, m.p99, m.p999, tput, cpu)
	}
	fmt.Fprintln(w)
}

// writeSpread writes the lowest and highest values over each client's
// successful runs.
func writeSpread(w io.Writer, wr workloadRows) {
	fmt.Fprintf(w, "Spread over the runs (lowest–highest):\n\n| client | msgs/s | CPU µs/msg | other load |\n|---|--:|--:|--:|\n")
	for i, rs := range wr.runs {
		var tput, cpu, other []float64
		for _, run := range rs {
			if ok(run) {
				tput = append(tput, run.MsgsPerS)
				cpu = append(cpu, micros(run.CPUPerMsg))
				other = append(other, run.OtherCores)
			}
		}
		if len(tput) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %s–%s | %.2f–%.2f | %.2f–%.2f |\n", wr.results[i].Client,
			spec.Count(int(slices.Min(tput))), spec.Count(int(slices.Max(tput))),
			slices.Min(cpu), slices.Max(cpu), slices.Min(other), slices.Max(other))
	}
	fmt.Fprintln(w)
}
