package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kprod-go/kprod/producer"
)

// options are the command-line settings of a run.
type options struct {
	brokers    string
	topic      string
	count      int           // messages; 0 means no limit
	duration   time.Duration // 0 means no limit
	size       int
	rate       int // messages per second; 0 means as fast as possible
	keys       int // distinct keys, cycled; 0 means no key
	partitions int // of the embedded broker's topic
	partition  int // fixed partition, or -1 for the partitioner
	interval   time.Duration
	recycle    bool
	quiet      bool

	// props is the producer configuration: the typed flags the user set,
	// then every -X in order.
	props producer.ConfigMap
}

// propFlag collects -X key=value into a ConfigMap.
type propFlag struct{ m producer.ConfigMap }

func (f propFlag) String() string { return "" }
func (f propFlag) Set(kv string) error {
	if !strings.Contains(kv, "=") {
		return fmt.Errorf("%q: want key=value", kv)
	}
	return f.m.Set(kv)
}

// parseFlags reads the command line. Typed producer flags (-acks, -linger,
// ...) go into the configuration only when given, so that the library's
// defaults hold otherwise and an -X with an alias of the same property
// does not conflict with a default.
func parseFlags(args []string) (options, error) {
	o := options{props: producer.ConfigMap{}}
	fs := flag.NewFlagSet("perf", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: perf [flags]\n\nA load generator for kprod, in the spirit of rdkafka_performance and\nkafka-producer-perf-test. With no -brokers it starts an embedded broker.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.brokers, "brokers", "", "bootstrap servers, host:port[,host:port]; empty starts an embedded broker")
	fs.StringVar(&o.topic, "topic", "perf", "topic to produce to")
	fs.IntVar(&o.count, "n", 1_000_000, "messages to produce; 0 for no limit (with -duration)")
	fs.DurationVar(&o.duration, "duration", 0, "produce for this long; without -n, there is no message limit")
	fs.IntVar(&o.size, "size", 100, "value size in bytes")
	fs.IntVar(&o.rate, "rate", 0, "messages per second; 0 is as fast as possible")
	fs.IntVar(&o.keys, "keys", 0, "distinct keys, cycled; 0 sends no key")
	fs.IntVar(&o.partitions, "partitions", 6, "partitions of the embedded broker's topic")
	fs.IntVar(&o.partition, "partition", -1, "produce to this partition; -1 lets the partitioner choose")
	fs.DurationVar(&o.interval, "interval", time.Second, "progress line interval")
	fs.BoolVar(&o.recycle, "recycle", true, "reuse delivered messages for new ones (false allocates one per message)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress lines, only the summary")

	acks := fs.String("acks", "all", "acks: all, -1, 0, 1 (acks)")
	idem := fs.Bool("idempotence", false, "idempotent producer (enable.idempotence)")
	comp := fs.String("compression", "none", "none, gzip, snappy, lz4, zstd (compression.type)")
	linger := fs.Duration("linger", 5*time.Millisecond, "time to wait for a batch to fill (linger.ms)")
	batch := fs.Int("batch-size", 1_000_000, "batch size in bytes (batch.size)")
	batchMsgs := fs.Int("batch-messages", 10_000, "messages per batch at most (batch.num.messages)")
	queue := fs.Int("queue-messages", 100_000, "messages held by the producer at most (queue.buffering.max.messages)")
	xs := propFlag{producer.ConfigMap{}}
	fs.Var(xs, "X", "librdkafka property key=value, applied after the flags above (repeatable)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	typed := []struct {
		flag, prop string
		value      any
	}{
		{"acks", "acks", *acks},
		{"idempotence", "enable.idempotence", *idem},
		{"compression", "compression.type", *comp},
		{"linger", "linger.ms", *linger},
		{"batch-size", "batch.size", *batch},
		{"batch-messages", "batch.num.messages", *batchMsgs},
		{"queue-messages", "queue.buffering.max.messages", *queue},
	}
	for _, t := range typed {
		if set[t.flag] {
			o.props[t.prop] = t.value
		}
	}
	for k, v := range xs.m {
		o.props[k] = v
	}
	if set["duration"] && !set["n"] {
		o.count = 0
	}
	switch {
	case o.count < 0 || o.duration < 0 || o.rate < 0 || o.keys < 0 || o.size < 0:
		return o, fmt.Errorf("-n, -duration, -rate, -keys and -size must not be negative")
	case o.count == 0 && o.duration == 0:
		return o, fmt.Errorf("-n 0 needs a -duration")
	case o.partitions < 1:
		return o, fmt.Errorf("-partitions must be at least 1")
	case o.interval <= 0:
		return o, fmt.Errorf("-interval must be positive")
	}
	return o, nil
}

// describe prints the run's settings.
func (o options) describe(brokers string) {
	limit := fmt.Sprintf("%d messages", o.count)
	switch {
	case o.count == 0:
		limit = fmt.Sprintf("for %v", o.duration)
	case o.duration > 0:
		limit += fmt.Sprintf(" or %v, whichever comes first", o.duration)
	}
	keys := "no key"
	if o.keys > 0 {
		keys = fmt.Sprintf("%d distinct keys", o.keys)
	}
	rate := "as fast as possible"
	if o.rate > 0 {
		rate = fmt.Sprintf("%d msgs/s", o.rate)
	}
	fmt.Fprintf(os.Stdout, "producing %s of %d B, %s, %s, to %q at %s\n", limit, o.size, keys, rate, o.topic, brokers)
	names := make([]string, 0, len(o.props))
	for k := range o.props {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(os.Stdout, "  %s=%v\n", k, o.props[k])
	}
}
