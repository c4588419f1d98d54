// Command client runs one Kafka client library for one workload and prints
// the result as one JSON line. The compare command starts it once per
// library and workload, so that getrusage measures that library alone.
//
//	client -client kprod -brokers 127.0.0.1:9092 -topic t -n 100000 -size 100
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kprod-go/kprod/bench/internal/rusage"
	"github.com/kprod-go/kprod/bench/internal/spec"
)

// driver is one client library, set up for one topic and workload.
type driver interface {
	// Produce sends message i of the payload. Its delivery report, success
	// or failure, must reach the recorder's Report with start. Produce may
	// block while the library applies backpressure.
	Produce(i int, start int64) error
	// Close stops the client. Every report has arrived when it is called.
	Close()
}

// config is what a driver is built from.
type config struct {
	brokers []string
	topic   string
	s       spec.Settings
	pay     spec.Payload
	rec     *recorder
	props   []string // -X key=value, for the librdkafka-configured clients
	harness
}

// library describes one client library.
type library struct {
	module string // Go module path, for the version
	// open builds the driver; notes say where the library cannot match a
	// setting, or what it does differently.
	open func(c config) (d driver, notes []string, err error)
}

// libraries maps the -client names to the libraries.
var libraries = map[string]library{
	"kprod":     {"github.com/kprod-go/kprod", openKprod},
	kprodChan:   {"github.com/kprod-go/kprod", openKprod},
	"franz-go":  {"github.com/twmb/franz-go", openFranz},
	"confluent": {"github.com/confluentinc/confluent-kafka-go/v2", openConfluent},
	"sarama":    {"github.com/IBM/sarama", openSarama},
	"kafka-go":  {"github.com/segmentio/kafka-go", openKafkaGo},
	// Not a library: the harness's own cost, run only when asked for.
	"floor": {"", openFloor},
}

// names returns the library names in the order compare runs them.
func names() []string {
	return []string{"kprod", kprodChan, "franz-go", "confluent", "sarama", "kafka-go"}
}

// kprodChan is kprod again, its reports from a deliveryChan given to
// every Produce call (-reports channel) instead of Poll: kprod's other
// report path, as a client of its own.
const kprodChan = "kprod-chan"

// pacingSlack is how far ahead of a rate's schedule the producing loop must
// be before it sleeps. Sleeping whenever it is ahead at all, as the loop
// once did, means a timer and a wake-up of the producing goroutine every
// few µs at 200,000 msgs/s, at the mercy of the timer's granularity, which
// is coarse on some kernels. Sleeping only when this far ahead sends
// messages in small bursts (up to 40 at 200,000 msgs/s) that keep the
// average rate exact; every message's latency still starts when its
// Produce is called.
const pacingSlack = 200 * time.Microsecond

type propFlags []string

func (p *propFlags) String() string      { return strings.Join(*p, ",") }
func (p *propFlags) Set(kv string) error { *p = append(*p, kv); return nil }

func main() {
	s := spec.Defaults()
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	client := fs.String("client", "kprod", "library: "+strings.Join(names(), ", ")+", or floor (no library: what the harness itself costs)")
	brokers := fs.String("brokers", "127.0.0.1:9092", "bootstrap servers, comma-separated")
	topic := fs.String("topic", "bench", "topic, which must exist")
	workload := fs.String("workload", "", "workload name, copied to the result")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measured part to this file")
	memprofile := fs.String("memprofile", "", "write a heap profile (allocations since start) to this file at the end")
	var props propFlags
	fs.Var(&props, "X", "key=value librdkafka property for kprod and confluent (repeatable)")
	var h harness
	fs.BoolVar(&h.newMessages, "new-messages", false, "allocate a new message for every Produce call instead of recycling reported ones (kprod, franz-go, sarama)")
	fs.StringVar(&h.reports, "reports", "poll", "how kprod receives delivery reports: poll (Poll), channel (a deliveryChan), events (the Events channel) or func (WithDeliveryFunc, served by Poll)")
	fs.IntVar(&h.txnSize, "txn-size", 0, "kprod only: a transactional producer that begins a transaction, produces this many messages and commits, over and over; 0 is not transactional")
	s.Flags(fs)
	fs.Parse(os.Args[1:])

	res, err := run(*client, strings.Split(*brokers, ","), *topic, *workload, s, props, h, *timeout, *cpuprofile)
	if *memprofile != "" {
		if f, ferr := os.Create(*memprofile); ferr == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	if err != nil && res.FirstError == "" {
		res.FirstError = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(res)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// harness holds the options that change how the driver uses its library
// rather than the workload.
type harness struct {
	// newMessages: a new message for every Produce call, as most
	// applications write it, instead of one recycled from its report.
	newMessages bool
	// reports: how kprod's driver receives reports: "poll", "channel"
	// (a deliveryChan given to every Produce call), "events" (the Events
	// channel) or "func" (a delivery function served by Poll).
	reports string
	// txnSize: messages per transaction for kprod's driver, which is then
	// transactional; 0 is not.
	txnSize int
}

// finisher is implemented by drivers that end a unit of work once its
// messages are produced: kprod with -txn-size commits the open
// transaction. The harness calls Finish after the warm-up and after the
// measured messages, before it waits for their reports.
type finisher interface{ Finish() error }

func finish(d driver) error {
	if f, ok := d.(finisher); ok {
		return f.Finish()
	}
	return nil
}

func run(client string, brokers []string, topic, workload string, s spec.Settings, props []string, h harness, timeout time.Duration, cpuprofile string) (spec.Result, error) {
	res := spec.Result{Client: client, Workload: workload, Settings: s}
	lib, ok := libraries[client]
	if !ok {
		return res, fmt.Errorf("unknown client %q; want one of %s", client, strings.Join(names(), ", "))
	}
	res.Version = moduleVersion(lib.module)
	if s.Messages <= 0 || s.Size < 0 || s.MaxOutstanding <= 0 || s.LatencyEvery <= 0 {
		return res, errors.New("-n, -max-outstanding and -latency-every must be positive, -size not negative")
	}
	switch h.reports {
	case "poll", "channel", "events", "func":
	default:
		return res, fmt.Errorf("-reports %q: want poll, channel, events or func", h.reports)
	}
	if client == kprodChan {
		if h.reports != "poll" && h.reports != "channel" {
			return res, fmt.Errorf("-reports %s with -client %s, which is kprod with -reports channel", h.reports, kprodChan)
		}
		h.reports = "channel"
	}
	if h.txnSize < 0 || h.txnSize > 0 && client != "kprod" && client != kprodChan {
		return res, fmt.Errorf("-txn-size %d: want 0, or a positive size with -client kprod or %s (the only transactional driver)", h.txnSize, kprodChan)
	}
	s.Warmup = s.WarmupMessages()
	res.Settings = s
	if s.Warmup < 0 {
		return res, errors.New("-warmup must be -1 (automatic) or at least 0")
	}
	rec := newRecorder()
	pay := spec.NewPayload(s)
	d, notes, err := lib.open(config{brokers: brokers, topic: topic, s: s, pay: pay, rec: rec, props: props, harness: h})
	if h.newMessages {
		notes = append(notes, "a new message for every Produce call (-new-messages)")
	}
	res.Notes = notes
	if err != nil {
		return res, err
	}
	if v := versionOf(d); v != "" {
		res.Version = v
	}
	deadline := time.After(timeout)

	// Warm up, unthrottled: connections, metadata and producer ids are in
	// place, and the heap has grown, before the first measured message.
	maxOut := int64(s.MaxOutstanding)
	lowWater := maxOut - max(maxOut/4, 1)
	sent := 0
	for ; sent < s.Warmup; sent++ {
		if int64(sent)-rec.done.Load() >= maxOut && !rec.waitDone(int64(sent)-lowWater, deadline) {
			d.Close()
			return res, fmt.Errorf("warm-up: %d messages outstanding for %v", maxOut, timeout)
		}
		if err := d.Produce(sent, 0); err != nil {
			d.Close()
			return res, fmt.Errorf("warm-up: %w", err)
		}
	}
	if err := finish(d); err != nil {
		d.Close()
		return res, fmt.Errorf("warm-up: %w", err)
	}
	if !rec.waitDone(int64(sent), deadline) {
		d.Close()
		return res, fmt.Errorf("warm-up: %d of %d messages reported after %v", rec.done.Load(), sent, timeout)
	}
	if n := rec.fail.Load(); n > 0 {
		d.Close()
		return res, fmt.Errorf("warm-up: %d messages failed, first: %s", n, rec.firstErr)
	}
	runtime.GC()

	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			d.Close()
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			d.Close()
			return res, err
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	u0, err := rusage.Self()
	if err != nil {
		d.Close()
		return res, err
	}
	t0 := rec.now()

	total := int64(s.Warmup + s.Messages)
	var produceErr error
	// seen is a stale count of reports: done is read again only when the
	// stale count says the cap is reached, so that the producing goroutine
	// does not pull the counter's cache line from the reporting one on
	// every message (a cost every client paid alike).
	seen := rec.done.Load()
	for i := 0; i < s.Messages; i, sent = i+1, sent+1 {
		if int64(sent)-seen >= maxOut {
			if seen = rec.done.Load(); int64(sent)-seen >= maxOut {
				if !rec.waitDone(int64(sent)-lowWater, deadline) {
					produceErr = fmt.Errorf("%d messages outstanding for %v", maxOut, timeout)
					break
				}
				seen = rec.done.Load()
			}
		}
		var start int64
		if s.Rate > 0 {
			start = rec.now()
			if due := t0 + int64(i)*1e9/int64(s.Rate); due-start >= int64(pacingSlack) {
				time.Sleep(time.Duration(due - start))
				start = rec.now()
			}
			if i%s.LatencyEvery != 0 {
				start = 0
			}
		} else if i%s.LatencyEvery == 0 {
			start = rec.now()
		}
		if err := d.Produce(sent, start); err != nil {
			produceErr = err
			break
		}
	}
	if produceErr == nil {
		produceErr = finish(d)
	}
	if produceErr == nil && !rec.waitDone(total, deadline) {
		produceErr = fmt.Errorf("%d of %d messages reported after %v", rec.done.Load(), total, timeout)
	}
	t1 := rec.now()
	u1, _ := rusage.Self()
	runtime.ReadMemStats(&ms1)
	if cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	d.Close()

	res.Failed = rec.fail.Load()
	res.Delivered = rec.done.Load() - int64(s.Warmup) - res.Failed
	res.FirstError = rec.firstErr
	res.Elapsed = time.Duration(t1 - t0)
	secs := res.Elapsed.Seconds()
	res.MsgsPerS = float64(res.Delivered) / secs
	res.MBPerS = float64(res.Delivered) * float64(pay.Bytes(0)) / secs / 1e6
	res.CPUUser = u1.User - u0.User
	res.CPUSystem = u1.System - u0.System
	if res.Delivered > 0 {
		res.CPUPerMsg = (res.CPUUser + res.CPUSystem) / time.Duration(res.Delivered)
		res.AllocsPerMsg = float64(ms1.Mallocs-ms0.Mallocs) / float64(res.Delivered)
		res.AllocBytesPerMsg = float64(ms1.TotalAlloc-ms0.TotalAlloc) / float64(res.Delivered)
	}
	res.MaxRSS = u1.MaxRSS
	res.LatencySamples = rec.hist.Count()
	res.P50 = rec.hist.Quantile(0.50)
	res.P99 = rec.hist.Quantile(0.99)
	res.P999 = rec.hist.Quantile(0.999)
	res.Max = rec.hist.Max()
	return res, produceErr
}

// item returns a *T recycled from pool, or a new one: always a new one
// with -new-messages, as an application that allocates each message.
func item[T any](pool *sync.Pool, newMessages bool) *T {
	if !newMessages {
		if it, _ := pool.Get().(*T); it != nil {
			return it
		}
	}
	return new(T)
}

// versioner is implemented by drivers that know a better version string
// than their Go module's (confluent: the librdkafka version).
type versioner interface{ Version() string }

func versionOf(d driver) string {
	if v, ok := d.(versioner); ok {
		return v.Version()
	}
	return ""
}

// moduleVersion returns the version of module path linked into this binary.
func moduleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "?"
	}
	if i := slices.IndexFunc(bi.Deps, func(m *debug.Module) bool { return m.Path == path }); i >= 0 {
		m := bi.Deps[i]
		if m.Replace != nil {
			return m.Replace.Path
		}
		return m.Version
	}
	return "?"
}
