package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kprod-go/kprod/bench/internal/spec"
)

// report is everything the markdown output shows.
type report struct {
	machine   string
	external  bool // the broker was not ours: no broker CPU
	runs      int
	quick     bool
	scale     float64
	pick      string // median or quietest
	workloads []workloadRows
}

type workloadRows struct {
	w       workload
	results []runResult   // the run shown, one per client, in run order
	runs    [][]runResult // every run of each client, same order
}

func (r *report) write(w io.Writer) {
	fmt.Fprintf(w, "## Kafka producer comparison\n\n%s\n", r.machine)
	fmt.Fprintf(w, "Clients: %s.\n", strings.Join(r.versions(), ", "))
	fmt.Fprintf(w, "Broker: franz-go's kfake, 1 broker, in its own process, records in memory; a fresh topic per run.\n")
	shows := "the run with the median msgs/s"
	if r.pick == "quietest" {
		shows = "the run during which other processes used the least CPU (other load)"
	}
	fmt.Fprintf(w, "Each client runs alone in its own process, one after another; %d run(s) per client and workload, the table shows %s.", r.runs, shows)
	if r.quick {
		fmt.Fprintf(w, " **Quick mode: message counts are 1/100 of the standard ones; the numbers are a smoke test, not a measurement.**")
	}
	if r.scale != 1 {
		fmt.Fprintf(w, " **Message counts scaled by %g.**", r.scale)
	}
	fmt.Fprintf(w, "\n\n")
	fmt.Fprintf(w, "Columns: msgs/s and MB/s (key + value bytes, 10^6 B) from the first measured Produce to the last delivery report; ")
	fmt.Fprintf(w, "CPU µs/msg is the client process's user + system time (getrusage) over that span per message, user and sys µs/msg its two parts; ")
	fmt.Fprintf(w, "allocs/msg counts Go heap allocations (not librdkafka's C ones); peak RSS is the process's ru_maxrss; ")
	fmt.Fprintf(w, "p50/p99/p99.9 are Produce-call-to-delivery-report latencies; msgs/batch, msgs/request and wire B/msg (record batch bytes as sent, after compression) are counted by the broker, warm-up included; ")
	fmt.Fprintf(w, "broker CPU µs/msg is the broker process's CPU over the client's run; ")
	fmt.Fprintf(w, "other load is the CPU that every other process on the machine used meanwhile, in cores (from /proc/stat): above 0.1 or so, something else competed for the cores; ")
	fmt.Fprintf(w, "÷ kprod columns are the client's value over kprod's (msgs/s above 1 is faster than kprod, CPU above 1 costs more); kprod takes its delivery reports from Poll, kprod-chan from a deliveryChan per Produce call. ")
	fmt.Fprintf(w, "In a workload with a rate, msgs/s is the rate the client achieved: below the target, it did not keep up.")
	if r.runs > 1 {
		fmt.Fprintf(w, " With several runs, each workload also has the medians over the runs, each column's own median, with ratios to franz-go's medians, and the spread (lowest–highest).")
	}
	fmt.Fprintf(w, "\n\n")

	for _, wr := range r.workloads {
		r.writeWorkload(w, wr)
	}

	fmt.Fprintf(w, "### Where a client differs\n\n")
	var clients []string // in the order they ran
	for _, wr := range r.workloads {
		for _, res := range wr.results {
			if !slices.Contains(clients, res.Client) {
				clients = append(clients, res.Client)
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range clients { // a client's notes together, whichever workload gave them
		for _, wr := range r.workloads {
			for _, res := range wr.results {
				for _, n := range res.Notes {
					key := res.Client + "\x00" + n
					if res.Client != c || seen[key] {
						continue
					}
					seen[key] = true
					fmt.Fprintf(w, "- %s: %s\n", res.Client, n)
				}
			}
		}
	}
	fmt.Fprintln(w)
}

func (r *report) writeWorkload(w io.Writer, wr workloadRows) {
	fmt.Fprintf(w, "### %s\n\n%s.\n\n", wr.w.name, wr.w.s.Describe())
	fmt.Fprintf(w, "| client | msgs/s | MB/s | CPU µs/msg | user µs/msg | sys µs/msg | allocs/msg | peak RSS MiB | p50 ms | p99 ms | p99.9 ms | msgs/batch | msgs/request | wire B/msg | broker CPU µs/msg | other load | msgs/s ÷ kprod | CPU ÷ kprod |\n")
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	var base *runResult
	if i := slices.IndexFunc(wr.results, func(r runResult) bool { return r.Client == "kprod" && ok(r) }); i >= 0 {
		base = &wr.results[i]
	}
	var problems, slow []string
	for _, res := range wr.results {
		if !ok(res) {
			msg := res.Err
			if msg == "" {
				msg = fmt.Sprintf("%d of %d messages failed, first: %s", res.Failed, res.Settings.Messages, res.FirstError)
			}
			problems = append(problems, fmt.Sprintf("%s: %s", res.Client, msg))
			if res.Delivered == 0 {
				fmt.Fprintf(w, "| %s | failed |%s\n", res.Client, strings.Repeat(" |", 16))
				continue
			}
		}
		if rate := wr.w.s.Rate; rate > 0 && res.MsgsPerS < keptUp*float64(rate) {
			slow = append(slow, fmt.Sprintf("%s (%s msgs/s)", res.Client, spec.Count(int(res.MsgsPerS+0.5))))
		}
		brokerCPU := "-"
		if !r.external && res.Delivered > 0 {
			brokerCPU = fmt.Sprintf("%.2f", micros(res.BrokerCPU)/float64(res.Delivered))
		}
		tput, cpu := "", ""
		if base != nil {
			tput = fmt.Sprintf("%.2f", res.MsgsPerS/base.MsgsPerS)
			cpu = fmt.Sprintf("%.2f", float64(res.CPUPerMsg)/float64(base.CPUPerMsg))
		}
		mark := ""
		if !ok(res) {
			mark = " (failures)"
		}
		perBatch, perReq, wire := "-", "-", "-"
		if st := res.Broker; st.Batches > 0 && st.Requests > 0 && st.Records > 0 {
			perBatch = spec.Count(int(st.Records / st.Batches))
			perReq = spec.Count(int(st.Records / st.Requests))
			wire = fmt.Sprintf("%.0f", float64(st.Bytes)/float64(st.Records))
		}
		user, sys := perMsg(res.CPUUser, res.Delivered), perMsg(res.CPUSystem, res.Delivered)
		fmt.Fprintf(w, "| %s%s | %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %.2f | %s | %s |\n",
			res.Client, mark, spec.Count(int(res.MsgsPerS+0.5)), res.MBPerS, micros(res.CPUPerMsg), user, sys,
			res.AllocsPerMsg, float64(res.MaxRSS)/(1<<20), millis(res.P50), millis(res.P99), millis(res.P999),
			perBatch, perReq, wire, brokerCPU, res.OtherCores, tput, cpu)
	}
	fmt.Fprintln(w)
	if len(slow) > 0 {
		fmt.Fprintf(w, "Below the rate of %s msgs/s (did not keep up): %s.\n\n", spec.Count(wr.w.s.Rate), strings.Join(slow, ", "))
	}
	if r.runs > 1 && len(wr.runs) == len(wr.results) {
		writeMedians(w, wr)
		writeSpread(w, wr)
	}
	for _, p := range problems {
		fmt.Fprintf(w, "- **%s**\n", p)
	}
	if len(problems) > 0 {
		fmt.Fprintln(w)
	}
}

// keptUp is the share of its target rate under which a client is said not
// to have kept up: msgs/s runs to the last report, a little after the last
// Produce call.
const keptUp = 0.99

// perMsg returns d per message in µs.
func perMsg(d time.Duration, msgs int64) float64 {
	if msgs <= 0 {
		return 0
	}
	return micros(d) / float64(msgs)
}

// versions lists each client with the version it reported.
func (r *report) versions() []string {
	var vs []string
	seen := map[string]bool{}
	for _, wr := range r.workloads {
		for _, res := range wr.results {
			if !seen[res.Client] && res.Version != "" {
				seen[res.Client] = true
				vs = append(vs, res.Client+" "+res.Version)
			}
		}
	}
	return vs
}

// ok reports whether a run delivered every message.
func ok(r runResult) bool {
	return r.Err == "" && r.Failed == 0 && r.Delivered == int64(r.Settings.Messages)
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// describeMachine names the CPU, core count, memory, kernel and Go.
func describeMachine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB memory", float64(kb)/(1<<20))
		}
	}
	kernel := ""
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(data))
	}
	gover := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		gover = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("Machine: %d cores (%s)%s%s, %s %s/%s, %s.\n",
		runtime.NumCPU(), model, mem, kernel, gover, runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))
}
