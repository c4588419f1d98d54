package producer_test

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

// warmProducer returns a producer whose batches never leave on their own
// (the longest linger.ms, batches that never fill, queue limits well above
// a benchmark round), with testTopic's metadata known: Produce is measured
// without the sender or the in-process broker competing for the CPU.
func warmProducer(tb testing.TB) *producer.Producer {
	tb.Helper()
	c := newCluster(tb, kfake.NumBrokers(1))
	p := newProducer(tb, c, producer.ConfigMap{
		"linger.ms": 900_000, "message.timeout.ms": 0, "batch.num.messages": 1_000_000,
		"batch.size": 1_000_000_000, "message.max.bytes": 1_000_000_000,
		"queue.buffering.max.messages": 1_000_000, // and the default 1 GiB of values
	})
	require.NoError(tb, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
	require.Equal(tb, 0, p.Flush(10*time.Second))
	pollReports(tb, p, 1, time.Second)
	return p
}

// drain purges what the producer holds and serves the reports, so that the
// next round starts from pooled, empty batches.
func drain(tb testing.TB, p *producer.Producer, n int) {
	require.NoError(tb, p.Purge(producer.PurgeQueue))
	for range n {
		if p.Poll(time.Second) == nil {
			tb.Fatal("purged report missing")
		}
	}
}

func TestProduceAllocatesNothingBesidesTheMessage(t *testing.T) {
	p := warmProducer(t)
	value := bytes.Repeat([]byte("v"), 100)
	const n = 2000
	msgs := make([]producer.Message, n)
	round := func() {
		for i := range msgs {
			msgs[i] = producer.Message{Topic: testTopic, Partition: producer.PartitionAny, Value: value}
			if err := p.Produce(&msgs[i], nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	round()
	drain(t, p, n)
	// AllocsPerRun counts every goroutine's allocations: the producer's
	// own goroutines (and, under -race on a loaded machine, the runtime)
	// add some in any round. The fewest of several rounds is the closest
	// to Produce's own; an allocation per message shows in every round.
	allocs := math.Inf(1)
	for range 5 {
		allocs = min(allocs, testing.AllocsPerRun(3, func() {
			round()
			p.Purge(producer.PurgeQueue) // reports wait in Poll's queue; served below, outside the count
		}))
		for p.Poll(0) != nil {
		}
	}
	// Purge and its reports cost a few allocations per round (error values,
	// queue growth); Produce itself must cost none per message.
	require.Less(t, allocs/n, 0.01, "allocations per Produce (%v per round of %d)", allocs, n)
}

func BenchmarkProduceCall(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		b.Run(fmt.Sprintf("keyed=%v", keyed), func(b *testing.B) {
			p := warmProducer(b)
			value := bytes.Repeat([]byte("v"), 100)
			const round = 100_000
			msgs := make([]producer.Message, round)
			keys := make([][]byte, 64)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("key-%d", i))
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(value)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				j := i % round
				if j == 0 && i > 0 {
					b.StopTimer()
					drain(b, p, round)
					b.StartTimer()
				}
				msgs[j] = producer.Message{Topic: testTopic, Partition: producer.PartitionAny, Value: value}
				if keyed {
					msgs[j].Key = keys[i%len(keys)]
				}
				if err := p.Produce(&msgs[j], nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkProduceEndToEnd(b *testing.B) {
	for _, idem := range []bool{false, true} {
		for _, inflight := range []int{1, 5} {
			b.Run(fmt.Sprintf("idempotence=%v/max.in.flight=%d", idem, inflight), func(b *testing.B) {
				c := newCluster(b, kfake.NumBrokers(1))
				p := newProducer(b, c, producer.ConfigMap{"linger.ms": 5, "enable.idempotence": idem,
					"max.in.flight": inflight, "batch.size": 100_000})
				value := bytes.Repeat([]byte("v"), 100)
				done := make(chan int)
				go func() { // serve reports as an application does
					got, failed := 0, 0
					for got < b.N {
						if m, ok := p.Poll(100 * time.Millisecond).(*producer.Message); ok {
							got++
							if m.Err != nil {
								failed++
							}
						}
					}
					done <- failed
				}()
				b.ReportAllocs()
				b.SetBytes(int64(len(value)))
				start := time.Now()
				b.ResetTimer()
				for i := 0; i < b.N; {
					err := p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny, Value: value}, nil)
					if err != nil {
						time.Sleep(50 * time.Microsecond) // queue full: let reports drain
						continue
					}
					i++
				}
				p.Flush(time.Minute)
				if failed := <-done; failed > 0 {
					b.Fatalf("%d messages failed", failed)
				}
				elapsed := time.Since(start)
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			})
		}
	}
}
