package producer_test

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kfake"
)

// This example turns on the topic debug context and sends the log lines
// to a slog.Logger: each line carries librdkafka's facility tag and its
// context. (The time and the instance name are left out to keep the
// output stable.)
func ExampleWithLogger() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "greetings"))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	handler := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "name" {
				return slog.Attr{}
			}
			return a
		},
	})
	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers": cluster.ListenAddrs()[0],
		"debug":             "topic",
	}, producer.WithLogger(slog.New(handler)))
	if err != nil {
		panic(err)
	}
	defer p.Close()

	if err := p.Produce(&producer.Message{Topic: "greetings", Value: []byte("hello")}, nil); err != nil {
		panic(err)
	}
	fmt.Println("undelivered after flush:", p.Flush(10*time.Second))
	// Output:
	// level=DEBUG msg="New local topic: greetings" facility=TOPIC context=topic
	// level=DEBUG msg="Topic greetings partition count changed from 0 to 1" facility=PARTCNT context=topic
	// level=DEBUG msg="greetings [0]: migrating from broker -1 to 0" facility=BRKMIGR context=topic
	// undelivered after flush: 0
}
