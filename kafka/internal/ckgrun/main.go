// Command ckgrun runs programs written for confluent-kafka-go, rebuilt
// against the kafka package, each against a fresh kprodtest cluster: it
// passes every program the cluster's bootstrap servers and the topic "t"
// (3 partitions), the two arguments confluent-kafka-go's producer
// examples take, and reports its exit status and how many records it
// left in the topic.
//
// scripts/ckg-examples.sh builds confluent-kafka-go's own producer
// examples, changed only in their import path, and runs them with it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
)

func main() {
	failed := false
	for _, bin := range os.Args[1:] {
		c, err := kprodtest.NewCluster(kprodtest.WithBrokers(3), kprodtest.WithTopic("t", 3))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		out, runErr := exec.Command(bin, c.BootstrapServers(), "t").CombinedOutput()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		recs, readErr := c.Records(ctx, "t")
		cancel()
		c.Close()
		fmt.Printf("== %s: exit %v, %d record(s) in t (read error %v)\n%s\n", bin, runErr, len(recs), readErr, out)
		if readErr != nil || len(recs) == 0 {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
