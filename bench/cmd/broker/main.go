// Command broker runs an in-memory Kafka cluster (franz-go's kfake) in its
// own process, so that clients measured against it do not share its CPU
// accounting. It prints the listen addresses, comma-separated, as its first
// line on stdout, and runs until stdin closes or it gets SIGINT or SIGTERM.
//
// It counts the Produce requests it handles. A line "stats" on stdin makes
// it print one line with the totals so far:
//
//	stats requests=N batches=N records=N bytes=N
//
// where bytes are the record batches' bytes as sent (compressed, if the
// client compressed them).
//
// kfake keeps every record in memory: delete topics between runs (the
// compare command does) or the process grows with every message.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// counters of the Produce requests seen; written on the cluster's loop,
// read on the stdin goroutine.
type counters struct {
	requests, batches, records, bytes atomic.Int64
}

// count observes one Produce request and lets kfake handle it as usual.
func (c *counters) count(req kmsg.Request) (kmsg.Response, error, bool) {
	pr, ok := req.(*kmsg.ProduceRequest)
	if !ok {
		return nil, nil, false
	}
	c.requests.Add(1)
	for _, t := range pr.Topics {
		for _, p := range t.Partitions {
			c.bytes.Add(int64(len(p.Records)))
			// A partition's records are one or more v2 batches: length at
			// offset 8 (counting from offset 12), record count at 57.
			for b := p.Records; len(b) >= 61; {
				n := 12 + int(int32(binary.BigEndian.Uint32(b[8:])))
				c.batches.Add(1)
				c.records.Add(int64(int32(binary.BigEndian.Uint32(b[57:]))))
				if n <= 12 || n > len(b) {
					break
				}
				b = b[n:]
			}
		}
	}
	return nil, nil, false
}

func main() {
	brokers := flag.Int("brokers", 1, "number of brokers")
	partitions := flag.Int("partitions", 1, "partitions of the -topics and of auto-created topics")
	topics := flag.String("topics", "", "comma-separated topics to create at start")
	port := flag.Int("port", 0, "port of the first broker (the next ones follow); 0 picks free ports")
	flag.Parse()

	opts := []kfake.Opt{
		kfake.NumBrokers(*brokers),
		kfake.DefaultNumPartitions(*partitions),
		kfake.AllowAutoTopicCreation(),
	}
	if *topics != "" {
		opts = append(opts, kfake.SeedTopics(int32(*partitions), strings.Split(*topics, ",")...))
	}
	if *port != 0 {
		ports := make([]int, *brokers)
		for i := range ports {
			ports[i] = *port + i
		}
		opts = append(opts, kfake.Ports(ports...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "broker:", err)
		os.Exit(1)
	}
	defer c.Close()
	var cnt counters
	c.ControlKey(int16(kmsg.Produce), cnt.count)
	fmt.Println(strings.Join(c.ListenAddrs(), ","))

	stop := make(chan struct{})
	go func() {
		defer close(stop)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "stats" {
				fmt.Printf("stats requests=%d batches=%d records=%d bytes=%d\n",
					cnt.requests.Load(), cnt.batches.Load(), cnt.records.Load(), cnt.bytes.Load())
			}
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-stop:
	case <-sig:
	}
}
