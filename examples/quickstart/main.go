// Command quickstart produces 100,000 messages with kprod and prints how
// many were delivered, to which partitions, and how fast.
//
// With no -brokers flag it starts an embedded, in-process Kafka broker
// (kprod's kprodtest package) with a 6-partition topic, so it runs anywhere
// Go does:
//
//	go run ./examples/quickstart
//
// Against a real cluster:
//
//	go run ./examples/quickstart -brokers localhost:9092 -topic quickstart
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
)

func main() {
	brokers := flag.String("brokers", "", "bootstrap servers, host:port[,host:port]; empty starts an embedded broker")
	topic := flag.String("topic", "quickstart", "topic to produce to")
	count := flag.Int("n", 100_000, "messages to produce")
	size := flag.Int("size", 100, "value size in bytes")
	flag.Parse()
	if err := run(*brokers, *topic, *count, *size); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(brokers, topic string, count, size int) error {
	if brokers == "" {
		cluster, err := kprodtest.NewCluster(kprodtest.WithBrokers(1), kprodtest.WithTopic(topic, 6))
		if err != nil {
			return fmt.Errorf("start embedded broker: %w", err)
		}
		defer cluster.Close()
		brokers = cluster.BootstrapServers()
		fmt.Printf("embedded broker at %s, topic %q with 6 partitions\n", brokers, topic)
	}

	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers": brokers,
		"linger.ms":         5,
		"acks":              "all",
	})
	if err != nil {
		return err
	}
	defer p.Close()

	// Reports are served from Poll on their own goroutine while we produce.
	type tally struct {
		delivered   int
		failed      int
		firstErr    error
		byPartition map[int32]int
	}
	done := make(chan tally)
	go func() {
		t := tally{byPartition: map[int32]int{}}
		for t.delivered+t.failed < count {
			switch e := p.Poll(100 * time.Millisecond).(type) {
			case *producer.Message:
				if e.Err != nil {
					t.failed++
					if t.firstErr == nil {
						t.firstErr = e.Err
					}
					continue
				}
				t.delivered++
				t.byPartition[e.Partition]++
			case producer.Error:
				fmt.Fprintln(os.Stderr, "event:", e)
			}
		}
		done <- t
	}()

	value := make([]byte, size)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	start := time.Now()
	for i := 0; i < count; {
		err := p.Produce(&producer.Message{Topic: topic, Partition: producer.PartitionAny, Value: value}, nil)
		if err != nil {
			if errors.Is(err, producer.ErrQueueFull) {
				time.Sleep(time.Millisecond) // let the sender catch up
				continue
			}
			return err
		}
		i++
	}
	if left := p.Flush(60 * time.Second); left > 0 {
		return fmt.Errorf("%d messages still undelivered after 60s", left)
	}
	t := <-done
	elapsed := time.Since(start)

	fmt.Printf("delivered %d of %d messages in %v (%.0f msgs/s, %.1f MB/s)\n",
		t.delivered, count, elapsed.Round(time.Millisecond),
		float64(t.delivered)/elapsed.Seconds(), float64(t.delivered*size)/elapsed.Seconds()/1e6)
	parts := make([]int32, 0, len(t.byPartition))
	for part := range t.byPartition {
		parts = append(parts, part)
	}
	slices.Sort(parts)
	for _, part := range parts {
		fmt.Printf("  partition %d: %d\n", part, t.byPartition[part])
	}
	if len(parts) == 1 {
		fmt.Println("  (keyless messages stick to one partition and move on every sticky.partitioning.linger.ms,\n" +
			"   10 ms by default, as in librdkafka: a run this short can stay on one)")
	}
	if t.failed > 0 {
		return fmt.Errorf("%d messages failed, first: %v", t.failed, t.firstErr)
	}
	return nil
}
