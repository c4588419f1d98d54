// Command compare runs the same workloads with kprod (reports from Poll,
// and as kprod-chan from a deliveryChan), franz-go, confluent-kafka-go
// (librdkafka), sarama and segmentio/kafka-go, one after another, against
// one in-memory broker (cmd/broker) in its own process, and prints a
// markdown table: throughput, client CPU per message (user and system),
// peak RSS, delivery latency and ratios to kprod; with several runs, the
// medians over them with ratios to franz-go.
//
// Each client runs in its own process (cmd/client), so that getrusage
// measures that client alone. Each run gets a fresh topic, deleted after it.
//
//	go run ./cmd/compare             # every workload, every client (a few minutes)
//	go run ./cmd/compare -quick      # a smoke test in seconds
//	go run ./cmd/compare -clients kprod,franz-go -workloads 100B -runs 3
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kprod-go/kprod/bench/internal/spec"
)

// allClients is every client, in the order they run.
var allClients = []string{"kprod", kprodChan, "franz-go", "confluent", "sarama", "kafka-go"}

// kprodChan is kprod with its reports from a deliveryChan (cmd/client's
// -reports channel); "kprod" receives them from Poll. The ratio columns
// are relative to "kprod".
const kprodChan = "kprod-chan"

// floorClient is no library: cmd/client's measure of what the harness
// itself costs. It runs only when -clients names it.
const floorClient = "floor"

// options are compare's flags.
type options struct {
	quick      bool
	clients    []string
	workloads  []string // names; empty means all
	scale      float64
	runs       int
	brokers    string // an external broker instead of cmd/broker
	out        string
	jsonOut    string
	profileDir string
	timeout    time.Duration
	props      []string // -X for kprod and confluent
	txnSize    int      // kprod's messages per transaction; 0: not transactional
	maxOther   float64  // retry a run when other processes used more cores than this; 0: never
	retries    int      // at most this many retries of one run
	pick       string   // which of the runs the table shows: median or quietest
	fromJSON   string   // render the table from a -json file instead of running
	verbose    bool
}

type propFlags []string

func (p *propFlags) String() string      { return strings.Join(*p, ",") }
func (p *propFlags) Set(kv string) error { *p = append(*p, kv); return nil }

func main() {
	var o options
	clients := flag.String("clients", strings.Join(allClients, ","), "clients to run, comma-separated")
	wls := flag.String("workloads", "", "workloads to run, comma-separated (default all)")
	flag.BoolVar(&o.quick, "quick", false, "small message counts: a smoke test")
	flag.Float64Var(&o.scale, "scale", 1, "multiply every workload's message count")
	flag.IntVar(&o.runs, "runs", 1, "runs per client and workload; the table shows the median by msgs/s")
	flag.StringVar(&o.brokers, "brokers", "", "use this broker instead of starting cmd/broker (no broker CPU column)")
	flag.StringVar(&o.out, "out", "", "also write the markdown to this file")
	flag.StringVar(&o.jsonOut, "json", "", "write every run's result to this file, one JSON object per line")
	flag.StringVar(&o.profileDir, "cpuprofile-dir", "", "write each client's CPU profile (workload-client.prof) here")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "limit for one client run")
	flag.BoolVar(&o.verbose, "v", false, "show the clients' stderr")
	flag.Float64Var(&o.maxOther, "max-other-load", 0, "on a shared machine: run again when other processes used more than this many cores meanwhile (0: never)")
	flag.StringVar(&o.pick, "pick", "median", "which run of each client and workload the table shows: median (by msgs/s) or quietest (least other load)")
	flag.StringVar(&o.fromJSON, "from-json", "", "print the table from a file written by -json instead of running")
	flag.IntVar(&o.retries, "retries", 3, "with -max-other-load, run again at most this many times, then keep the least disturbed run")
	flag.IntVar(&o.txnSize, "txn-size", 0, "kprod and kprod-chan only: a transactional producer committing every this many messages; 0 is not transactional")
	var props propFlags
	flag.Var(&props, "X", "key=value librdkafka property for kprod and confluent (repeatable)")
	flag.Parse()
	o.clients = strings.Split(*clients, ",")
	if *wls != "" {
		o.workloads = strings.Split(*wls, ",")
	}
	o.props = props
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "compare:", err)
			os.Exit(1)
		}
	}

	var md bytes.Buffer
	var results []runResult
	var err error
	if o.fromJSON != "" {
		err = render(o, &md)
	} else {
		results, err = run(o, &md, os.Stderr)
	}
	os.Stdout.Write(md.Bytes())
	if o.jsonOut != "" && len(results) > 0 {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, r := range results {
			enc.Encode(r)
		}
		if werr := os.WriteFile(o.jsonOut, buf.Bytes(), 0o644); werr != nil && err == nil {
			err = werr
		}
	}
	if o.out != "" && md.Len() > 0 {
		if werr := os.WriteFile(o.out, md.Bytes(), 0o644); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// run builds the binaries, starts the broker, runs every client for every
// workload, and writes the markdown report to md. Progress goes to logw.
// A client run that fails is reported in the table, not as an error; the
// error is for the harness itself failing.
func run(o options, md, logw io.Writer) ([]runResult, error) {
	for _, c := range o.clients {
		if !slices.Contains(allClients, c) && c != floorClient {
			return nil, fmt.Errorf("unknown client %q; want some of %s (or %s)", c, strings.Join(allClients, ","), floorClient)
		}
	}
	ws := workloads(o.quick, o.scale)
	if len(o.workloads) > 0 {
		ws = slices.DeleteFunc(ws, func(w workload) bool { return !slices.Contains(o.workloads, w.name) })
		if len(ws) != len(o.workloads) {
			return nil, fmt.Errorf("unknown workload in %v", o.workloads)
		}
	}
	if o.runs < 1 {
		o.runs = 1
	}

	bin, err := os.MkdirTemp("", "kprod-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(bin)
	cgo := slices.Contains(o.clients, "confluent")
	fmt.Fprintf(logw, "building client and broker (cgo %v)...\n", cgo)
	if err := build(bin, cgo); err != nil {
		return nil, err
	}

	var b *brokerProc
	if o.brokers != "" {
		b, err = externalBroker(o.brokers)
	} else {
		b, err = startBroker(filepath.Join(bin, "broker"))
	}
	if err != nil {
		return nil, err
	}
	defer b.Close()
	fmt.Fprintf(logw, "broker at %s\n", strings.Join(b.addrs, ","))

	var all []runResult
	rep := report{machine: describeMachine(), external: b.cmd == nil, runs: o.runs, quick: o.quick, scale: o.scale, pick: o.pick}
	stamp := time.Now().Unix()
	for _, w := range ws {
		byClient := map[string][]runResult{}
		for r := range o.runs {
			for _, c := range o.clients {
				var res runResult
				for attempt := 0; ; attempt++ {
					topic := fmt.Sprintf("bench-%d-%s-%s-%d-%d", stamp, w.name, c, r, attempt)
					try := runClient(b, filepath.Join(bin, "client"), c, w, topic, o, logw)
					fmt.Fprintf(logw, "%-22s %-10s run %d: %s\n", w.name, c, r+1, summary(try))
					if attempt == 0 || try.Err == "" && (res.Err != "" || try.OtherCores < res.OtherCores) {
						res = try
					}
					if o.maxOther <= 0 || res.OtherCores <= o.maxOther || attempt >= o.retries {
						break
					}
					fmt.Fprintf(logw, "  other processes used %.2f cores: running again\n", try.OtherCores)
					time.Sleep(2 * time.Second)
				}
				byClient[c] = append(byClient[c], res)
				all = append(all, res)
			}
		}
		row := workloadRows{w: w}
		for _, c := range o.clients {
			row.results = append(row.results, pickRun(o.pick, byClient[c]))
			row.runs = append(row.runs, byClient[c])
		}
		rep.workloads = append(rep.workloads, row)
	}
	rep.write(md)
	return all, nil
}

// render prints the report from the results a -json file holds, grouping
// them by workload and client in the order they appear.
func render(o options, md io.Writer) error {
	data, err := os.ReadFile(o.fromJSON)
	if err != nil {
		return err
	}
	var (
		rep      = report{machine: describeMachine(), pick: o.pick, scale: 1}
		order    []string
		byWL     = map[string]map[string][]runResult{}
		clientsO = map[string][]string{}
		settings = map[string]workload{}
	)
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var r runResult
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("%s: %w", o.fromJSON, err)
		}
		if byWL[r.Workload] == nil {
			byWL[r.Workload] = map[string][]runResult{}
			order = append(order, r.Workload)
			settings[r.Workload] = workload{name: r.Workload, s: r.Settings}
		}
		if byWL[r.Workload][r.Client] == nil {
			clientsO[r.Workload] = append(clientsO[r.Workload], r.Client)
		}
		byWL[r.Workload][r.Client] = append(byWL[r.Workload][r.Client], r)
		rep.runs = max(rep.runs, len(byWL[r.Workload][r.Client]))
		// Runs against an external broker have no broker counts; the floor
		// sends nothing, so its runs say nothing about the broker.
		rep.external = rep.external || r.Client != floorClient && r.Broker == (produceStats{})
	}
	for _, name := range order {
		row := workloadRows{w: settings[name]}
		for _, c := range clientsO[name] {
			row.results = append(row.results, pickRun(o.pick, byWL[name][c]))
			row.runs = append(row.runs, byWL[name][c])
		}
		rep.workloads = append(rep.workloads, row)
	}
	rep.write(md)
	return nil
}

// pickRun chooses the run the table shows.
func pickRun(how string, rs []runResult) runResult {
	if how == "quietest" {
		return quietest(rs)
	}
	return median(rs)
}

// quietest returns the successful run during which other processes used
// the least CPU; a failed run only when all failed.
func quietest(rs []runResult) runResult {
	best := rs[0]
	for _, r := range rs[1:] {
		if r.Err == "" && (best.Err != "" || r.OtherCores < best.OtherCores) {
			best = r
		}
	}
	return best
}

// build compiles cmd/client and cmd/broker into dir. Without cgo the
// client builds much faster but has no confluent-kafka-go.
func build(dir string, cgo bool) error {
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(mod)))
	for _, p := range []string{"client", "broker"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, p), "./cmd/"+p)
		cmd.Dir = root
		cmd.Env = os.Environ()
		if !cgo {
			cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/%s: %v\n%s", p, err, out)
		}
	}
	return nil
}

// runResult is a client's result plus what the orchestrator measured
// around it.
type runResult struct {
	spec.Result
	BrokerCPU time.Duration // broker CPU over the client process's life
	// OtherCores is the CPU time every other process on the machine used
	// during the client process's life, over that life: how many cores
	// something else kept busy while the client was measured.
	OtherCores float64
	// Broker is what the broker counted of the client's Produce requests,
	// warm-up included.
	Broker produceStats
	Err    string // the client failed to run or print a result
}

// runClient runs one client process for one workload on a fresh topic.
func runClient(b *brokerProc, bin, client string, w workload, topic string, o options, logw io.Writer) runResult {
	res := runResult{Result: spec.Result{Client: client, Workload: w.name, Settings: w.s}}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout+time.Minute)
	defer cancel()
	if err := b.createTopic(ctx, topic, w.s.Partitions); err != nil {
		res.Err = err.Error()
		return res
	}
	defer func() {
		if err := b.deleteTopic(context.Background(), topic); err != nil {
			fmt.Fprintln(logw, "warning:", err)
		}
	}()

	args := []string{"-client", client, "-brokers", strings.Join(b.addrs, ","), "-topic", topic,
		"-workload", w.name, "-timeout", o.timeout.String()}
	args = append(args, w.s.Args()...)
	for _, kv := range o.props {
		args = append(args, "-X", kv)
	}
	if (client == "kprod" || client == kprodChan) && o.txnSize > 0 {
		args = append(args, "-txn-size", strconv.Itoa(o.txnSize))
	}
	if o.profileDir != "" {
		args = append(args, "-cpuprofile", filepath.Join(o.profileDir, w.name+"-"+client+".prof"))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if o.verbose {
		cmd.Stderr = io.MultiWriter(&stderr, logw)
	}
	st0, err := b.stats()
	if err != nil {
		res.Err = err.Error()
		return res
	}
	cpu0, busy0, t0 := b.cpu(), machineBusy(), time.Now()
	runErr := cmd.Run()
	res.BrokerCPU = b.cpu() - cpu0
	st1, err := b.stats()
	if err != nil {
		res.Err = err.Error()
		return res
	}
	res.Broker = st1.sub(st0)
	if wall := time.Since(t0); busy0 > 0 && cmd.ProcessState != nil {
		client := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		other := machineBusy() - busy0 - res.BrokerCPU - client
		res.OtherCores = max(other.Seconds()/wall.Seconds(), 0)
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res.Result); err != nil {
		res.Err = fmt.Sprintf("no result (%v): %s", runErr, lastLine(stderr.String()))
		return res
	}
	if runErr != nil {
		res.Err = fmt.Sprintf("%v: %s", runErr, lastLine(stderr.String()))
	}
	return res
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func summary(r runResult) string {
	if r.Err != "" {
		return "FAILED: " + r.Err
	}
	s := fmt.Sprintf("%.0f msgs/s, %.2f µs CPU/msg, p99 %v, other load %.2f cores", r.MsgsPerS, micros(r.CPUPerMsg), r.P99.Round(10*time.Microsecond), r.OtherCores)
	if r.Failed > 0 {
		s += fmt.Sprintf(", %d failed (%s)", r.Failed, r.FirstError)
	}
	return s
}

// median returns the run with the median throughput; failed runs sort last.
func median(rs []runResult) runResult {
	rs = slices.Clone(rs)
	sort.SliceStable(rs, func(i, j int) bool {
		if (rs[i].Err == "") != (rs[j].Err == "") {
			return rs[i].Err == ""
		}
		return rs[i].MsgsPerS > rs[j].MsgsPerS
	})
	ok := len(rs)
	if i := slices.IndexFunc(rs, func(r runResult) bool { return r.Err != "" }); i >= 0 {
		ok = i
	}
	if ok == 0 {
		return rs[0]
	}
	return rs[(ok-1)/2]
}
