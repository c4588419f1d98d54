package kafka_test

import (
	"fmt"

	"github.com/kprod-go/kprod/kafka"
	"github.com/kprod-go/kprod/kprodtest"
)

// A confluent-kafka-go producer, unchanged but for the import path, run
// against an in-process cluster from package kprodtest. In a test
// function, kprodtest.New(t, ...) starts the cluster and closes it when the
// test ends.
func ExampleProducer() {
	cluster, err := kprodtest.NewCluster(kprodtest.WithTopic("greetings", 1))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": cluster.BootstrapServers()})
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range p.Events() {
			switch ev := e.(type) {
			case *kafka.Message:
				if ev.TopicPartition.Error != nil {
					fmt.Printf("delivery failed: %v\n", ev.TopicPartition.Error)
				} else {
					fmt.Printf("delivered %q to %v\n", ev.Value, ev.TopicPartition)
				}
			case kafka.Error:
				fmt.Printf("error: %v\n", ev)
			}
		}
	}()

	topic := "greetings"
	for _, word := range []string{"hello", "world"} {
		err := p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Value:          []byte(word),
		}, nil)
		if err != nil {
			fmt.Println("produce failed:", err)
		}
	}
	left := p.Flush(15 * 1000) // milliseconds
	p.Close()
	<-done // Close closed Events
	fmt.Println("not reported:", left)
	// Output:
	// delivered "hello" to greetings[0]@0
	// delivered "world" to greetings[0]@1
	// not reported: 0
}
