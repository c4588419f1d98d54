// Package spec holds what the compare orchestrator and the client processes
// agree on: the settings of a workload, how they travel as command-line
// flags, the result a client prints, and the payloads every client sends.
package spec

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Settings describe one workload. Every client maps them to its own options;
// where a client cannot, it says so in Result.Notes.
type Settings struct {
	Messages       int           `json:"messages"`        // measured messages (after the warm-up)
	Size           int           `json:"size"`            // value bytes
	Keys           int           `json:"keys"`            // distinct keys, cycled; 0 means no key
	Partitions     int           `json:"partitions"`      // partitions of the topic
	Rate           int           `json:"rate"`            // messages per second; 0 means as fast as possible
	Linger         time.Duration `json:"linger"`          // linger.ms
	BatchBytes     int           `json:"batch_bytes"`     // batch.size
	BatchMessages  int           `json:"batch_messages"`  // batch.num.messages
	RequestBytes   int           `json:"request_bytes"`   // a Produce request's size, at most
	Acks           string        `json:"acks"`            // all, 1 or 0
	Idempotent     bool          `json:"idempotent"`      // enable.idempotence
	Compression    string        `json:"compression"`     // none, gzip, snappy, lz4, zstd
	MaxOutstanding int           `json:"max_outstanding"` // messages produced but not yet reported, at most
	Warmup         int           `json:"warmup"`          // messages sent and awaited before measuring; AutoWarmup: see WarmupMessages
	LatencyEvery   int           `json:"latency_every"`   // measure the latency of every Nth message
}

// Defaults are the settings every workload starts from: the reference
// measurement's (acks=all, idempotent, linger.ms=5, no compression) and
// librdkafka's defaults for the rest.
func Defaults() Settings {
	return Settings{
		Messages:      1_000_000,
		Size:          100,
		Partitions:    1,
		Linger:        5 * time.Millisecond,
		BatchBytes:    1_000_000,
		BatchMessages: 10_000,
		// franz-go's and sarama's default request cap, below the broker's
		// socket.request.max.bytes (100 MiB).
		RequestBytes:   100 << 20,
		Acks:           "all",
		Idempotent:     true,
		Compression:    "none",
		MaxOutstanding: 100_000,
		Warmup:         AutoWarmup,
		LatencyEvery:   16,
	}
}

// AutoWarmup, as Settings.Warmup, leaves the warm-up's size to
// WarmupMessages.
const AutoWarmup = -1

// RateWarmup is the warm-up of a workload with a rate: enough for
// connections, metadata and producer ids, sent unthrottled.
const RateWarmup = 2_000

// WarmupMessages returns the warm-up's size: Warmup, unless it is
// AutoWarmup. Then an unthrottled workload warms up with MaxOutstanding
// messages: its heap grows to hold the most messages it will ever have
// outstanding before the measurement starts, so that the kernel's zeroing
// of new heap pages (system time, and user time in the page faults) is not
// counted as the cost of the measured messages, as it was with a warm-up
// of 1,000 messages against 100,000 outstanding. A workload with a rate
// keeps few messages outstanding and warms up with RateWarmup.
func (s Settings) WarmupMessages() int {
	switch {
	case s.Warmup != AutoWarmup:
		return s.Warmup
	case s.Rate > 0:
		return RateWarmup
	}
	return s.MaxOutstanding
}

// AcksInt returns Acks as Kafka's number: -1, 0 or 1.
func (s Settings) AcksInt() (int16, error) {
	switch s.Acks {
	case "all", "-1":
		return -1, nil
	case "0":
		return 0, nil
	case "1":
		return 1, nil
	}
	return 0, fmt.Errorf("acks %q: want all, 1 or 0", s.Acks)
}

// Flags registers the settings as flags of fs.
func (s *Settings) Flags(fs *flag.FlagSet) {
	fs.IntVar(&s.Messages, "n", s.Messages, "messages to measure")
	fs.IntVar(&s.Size, "size", s.Size, "value size in bytes")
	fs.IntVar(&s.Keys, "keys", s.Keys, "distinct keys, cycled; 0 sends no key")
	fs.IntVar(&s.Partitions, "partitions", s.Partitions, "partitions of the topic")
	fs.IntVar(&s.Rate, "rate", s.Rate, "messages per second; 0 is as fast as possible")
	fs.DurationVar(&s.Linger, "linger", s.Linger, "linger (linger.ms)")
	fs.IntVar(&s.BatchBytes, "batch-bytes", s.BatchBytes, "batch size in bytes (batch.size)")
	fs.IntVar(&s.BatchMessages, "batch-messages", s.BatchMessages, "messages per batch at most (batch.num.messages)")
	fs.IntVar(&s.RequestBytes, "request-bytes", s.RequestBytes, "Produce request size in bytes, at most")
	fs.StringVar(&s.Acks, "acks", s.Acks, "required acks: all, 1 or 0")
	fs.BoolVar(&s.Idempotent, "idempotent", s.Idempotent, "idempotent producer")
	fs.StringVar(&s.Compression, "compression", s.Compression, "none, gzip, snappy, lz4 or zstd")
	fs.IntVar(&s.MaxOutstanding, "max-outstanding", s.MaxOutstanding, "messages produced but not reported, at most")
	fs.IntVar(&s.Warmup, "warmup", s.Warmup, "messages sent (unthrottled) and awaited before measuring; -1: max-outstanding when unthrottled, 2,000 with a rate")
	fs.IntVar(&s.LatencyEvery, "latency-every", s.LatencyEvery, "measure the latency of every Nth message")
}

// Args returns s as the flags Flags reads.
func (s Settings) Args() []string {
	return []string{
		"-n=" + strconv.Itoa(s.Messages),
		"-size=" + strconv.Itoa(s.Size),
		"-keys=" + strconv.Itoa(s.Keys),
		"-partitions=" + strconv.Itoa(s.Partitions),
		"-rate=" + strconv.Itoa(s.Rate),
		"-linger=" + s.Linger.String(),
		"-batch-bytes=" + strconv.Itoa(s.BatchBytes),
		"-batch-messages=" + strconv.Itoa(s.BatchMessages),
		"-request-bytes=" + strconv.Itoa(s.RequestBytes),
		"-acks=" + s.Acks,
		"-idempotent=" + strconv.FormatBool(s.Idempotent),
		"-compression=" + s.Compression,
		"-max-outstanding=" + strconv.Itoa(s.MaxOutstanding),
		"-warmup=" + strconv.Itoa(s.Warmup),
		"-latency-every=" + strconv.Itoa(s.LatencyEvery),
	}
}

// Describe returns the settings in one line for the table's heading.
func (s Settings) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s messages of %d B", Count(s.Messages), s.Size)
	if s.Keys > 0 {
		fmt.Fprintf(&b, ", %s distinct keys", Count(s.Keys))
	} else {
		b.WriteString(", no key")
	}
	fmt.Fprintf(&b, ", %s partition", Count(s.Partitions))
	if s.Partitions != 1 {
		b.WriteString("s")
	}
	if s.Rate > 0 {
		fmt.Fprintf(&b, ", rate %s msgs/s", Count(s.Rate))
	} else {
		b.WriteString(", unthrottled")
	}
	fmt.Fprintf(&b, "; acks=%s, idempotence %s, compression %s, linger %v, batch %s B / %s msgs, request %s B, at most %s outstanding",
		s.Acks, onOff(s.Idempotent), s.Compression, s.Linger, Count(s.BatchBytes), Count(s.BatchMessages), Count(s.RequestBytes), Count(s.MaxOutstanding))
	return b.String()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Count formats n with thousands separators.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Result is what a client process prints, as one JSON line, after a run.
type Result struct {
	Client     string   `json:"client"`
	Version    string   `json:"version"`
	Workload   string   `json:"workload"`
	Settings   Settings `json:"settings"`
	Delivered  int64    `json:"delivered"`
	Failed     int64    `json:"failed"`
	FirstError string   `json:"first_error,omitempty"`

	Elapsed   time.Duration `json:"elapsed"`    // first Produce to last report
	MsgsPerS  float64       `json:"msgs_per_s"` // delivered / Elapsed
	MBPerS    float64       `json:"mb_per_s"`   // key and value bytes delivered / Elapsed, in 10^6 B
	CPUUser   time.Duration `json:"cpu_user"`   // during the measurement
	CPUSystem time.Duration `json:"cpu_system"` // during the measurement
	CPUPerMsg time.Duration `json:"cpu_per_msg"`
	MaxRSS    int64         `json:"max_rss"` // bytes, peak over the whole process

	// Go heap allocations during the measurement, per delivered message.
	// For confluent-kafka-go they leave out librdkafka's C allocations.
	AllocsPerMsg     float64 `json:"allocs_per_msg"`
	AllocBytesPerMsg float64 `json:"alloc_bytes_per_msg"`

	LatencySamples uint64        `json:"latency_samples"`
	P50            time.Duration `json:"p50"`
	P99            time.Duration `json:"p99"`
	P999           time.Duration `json:"p999"`
	Max            time.Duration `json:"max"`

	Notes []string `json:"notes,omitempty"` // where the client's settings differ
}
