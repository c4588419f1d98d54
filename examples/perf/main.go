// Command perf is a load generator for kprod, in the spirit of librdkafka's
// rdkafka_performance and Kafka's kafka-producer-perf-test: it produces
// messages as fast as it can or at a set rate, prints a progress line each
// second (msgs/s, MB/s, messages in flight, p99 delivery latency) and a
// summary at the end.
//
// With no -brokers it starts an embedded broker (franz-go's kfake) in the
// same process, whose CPU time then counts in the summary's:
//
//	go run ./examples/perf
//	go run ./examples/perf -n 2000000 -size 100 -idempotence -linger 5ms
//	go run ./examples/perf -duration 30s -rate 50000 -keys 1000 -compression lz4
//	go run ./examples/perf -brokers localhost:9092 -topic perf -X socket.keepalive.enable=true
//
// Messages are recycled from their delivery reports (the fast path that
// kprod's API allows, since a report is the *Message given to Produce), and
// every value is a slice of one buffer, so the produce loop allocates
// nothing per message; -recycle=false allocates a Message per message
// instead. Ctrl-C stops producing and prints the summary.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/producer"
)

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}

// item is a message and the time Produce was called for it, recycled from
// delivery reports. The message's Opaque points back to its item.
type item struct {
	msg   producer.Message
	start int64 // nanoseconds since the run's epoch
}

// run is one perf run: set up, produce, drain, summarize.
func run(o options) error {
	brokers := o.brokers
	if brokers == "" {
		addrs, stop, err := startBroker(o.topic, o.partitions)
		if err != nil {
			return err
		}
		defer stop()
		brokers = addrs
		fmt.Printf("embedded broker at %s, topic %q with %d partitions (its CPU counts in this process)\n", brokers, o.topic, o.partitions)
	}
	o.props["bootstrap.servers"] = brokers
	o.describe(brokers)
	p, err := producer.New(o.props)
	if err != nil {
		return err
	}
	defer p.Close()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()

	g := newGenerator(o)
	r := &reporter{p: p, free: g.free, recycle: o.recycle, quiet: o.quiet, interval: o.interval, epoch: g.epoch, room: make(chan struct{}, 1), done: make(chan struct{})}
	go r.loop()

	cpu0, _, cpuOK := cpuUsage()
	sent, perr := g.produce(ctx, p, r)
	flushTimeout := 60 * time.Second
	if left := p.Flush(flushTimeout); left > 0 && perr == nil {
		perr = fmt.Errorf("%d messages still without a delivery report after %v", left, flushTimeout)
	}
	r.finish(sent)
	elapsed := time.Since(g.epoch)
	cpu1, rss, _ := cpuUsage()

	s := &r.st
	fmt.Printf("\nproduced %d messages in %v; delivered %d, failed %d\n", sent, elapsed.Round(time.Millisecond), s.delivered, s.failed)
	if s.firstErr != nil {
		fmt.Printf("  first failure: %v\n", s.firstErr)
	}
	fmt.Printf("  throughput  %.0f msgs/s, %.2f MB/s (key + value bytes, 10^6 B)\n",
		float64(s.delivered)/elapsed.Seconds(), float64(s.bytes)/elapsed.Seconds()/1e6)
	h := &s.total
	fmt.Printf("  latency     p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (Produce to delivery report)\n",
		ms(h.quantile(0.5)), ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(h.max))
	if cpuOK && sent > 0 {
		who := "this process"
		if o.brokers == "" {
			who = "this process, embedded broker included"
		}
		fmt.Printf("  CPU         %.2f s, %.2f µs/msg (%s); peak RSS %.0f MB\n",
			(cpu1 - cpu0).Seconds(), float64(cpu1-cpu0)/float64(time.Microsecond)/float64(sent), who, float64(rss)/(1<<20))
	}
	fmt.Printf("  queue full  %d times (Produce returned ErrQueueFull and waited for reports)\n", g.queueFull)
	if perr == nil && s.failed > 0 {
		perr = fmt.Errorf("%d of %d messages failed", s.failed, sent)
	}
	return perr
}

// generator produces the messages.
type generator struct {
	o         options
	epoch     time.Time
	values    [][]byte // slices of one buffer, reused for every message
	keys      [][]byte
	free      chan *item // delivered messages, ready for reuse
	sent      atomic.Int64
	queueFull int64
}

func newGenerator(o options) *generator {
	g := &generator{o: o, epoch: time.Now(), free: make(chan *item, 1<<16)}
	// A few distinct values over one buffer, so that batches are not one
	// value repeated (which would flatter compression).
	buf := make([]byte, o.size+1024)
	for i := range buf {
		buf[i] = "abcdefghijklmnopqrstuvwxyz0123456789 {}:,\""[(i*7+i/13)%42]
	}
	for i := range 64 {
		off := i * 16 % (len(buf) - o.size + 1)
		g.values = append(g.values, buf[off:off+o.size:off+o.size])
	}
	for i := range o.keys {
		g.keys = append(g.keys, fmt.Appendf(nil, "key-%08d", i))
	}
	return g
}

// now returns nanoseconds since the epoch from the monotonic clock.
func (g *generator) now() int64 { return int64(time.Since(g.epoch)) }

// produce runs the produce loop until -n messages, -duration, an error or
// ctx's cancellation, and returns how many messages Produce accepted.
func (g *generator) produce(ctx context.Context, p *producer.Producer, r *reporter) (int64, error) {
	o := g.o
	var deadline int64 = 1<<63 - 1
	if o.duration > 0 {
		deadline = int64(o.duration)
	}
	var sent int64
	pace := time.NewTimer(time.Hour) // reused: no allocation per wait
	defer pace.Stop()
	for i := 0; o.count == 0 || i < o.count; i++ {
		now := g.now()
		if (i&1023 == 0 && ctx.Err() != nil) || now >= deadline {
			break
		}
		if o.rate > 0 {
			if due := int64(i) * 1e9 / int64(o.rate); due > now {
				pace.Reset(time.Duration(due - now))
				select {
				case <-pace.C:
				case <-ctx.Done():
				}
				now = g.now()
			}
		}
		var it *item
		if o.recycle {
			select {
			case it = <-g.free:
			default:
			}
		}
		if it == nil {
			it = new(item)
		}
		it.msg = producer.Message{Topic: o.topic, Partition: int32(o.partition), Value: g.values[i%len(g.values)], Opaque: it}
		if len(g.keys) > 0 {
			it.msg.Key = g.keys[i%len(g.keys)]
		}
		it.start = now
		for {
			err := p.Produce(&it.msg, nil)
			if err == nil {
				break
			}
			if !errors.Is(err, producer.ErrQueueFull) {
				return sent, err
			}
			// The producer holds queue.buffering.max.messages: wait until
			// the reporter has served a share of them, as
			// rdkafka_performance polls on a full queue.
			g.queueFull++
			r.waitForRoom(ctx)
			if ctx.Err() != nil {
				return sent, nil
			}
			it.start = g.now()
		}
		sent++
		g.sent.Store(sent)
	}
	return sent, nil
}
