package ckgexamples

import (
	"fmt"
	"io"
	"time"

	"github.com/kprod-go/kprod/kafka"
)

// Producer produces count messages with headers, reports deliveries from
// Events on a goroutine, retries on a full queue, and flushes in
// milliseconds before closing: confluent-kafka-go's producer_example.
func Producer(args []string, stdout io.Writer) int {
	if len(args) != 3 {
		fmt.Fprintf(stdout, "Usage: %s <bootstrap-servers> <topic>\n", args[0])
		return 1
	}
	bootstrapServers, topic := args[1], args[2]
	const count = 3

	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": bootstrapServers})
	if err != nil {
		fmt.Fprintf(stdout, "Failed to create producer: %s\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Created Producer %v\n", p)

	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		for e := range p.Events() {
			switch ev := e.(type) {
			case *kafka.Message:
				if ev.TopicPartition.Error != nil {
					fmt.Fprintf(stdout, "Delivery failed: %v\n", ev.TopicPartition.Error)
					continue
				}
				fmt.Fprintf(stdout, "Delivered message to topic %s [%d] at offset %v\n",
					*ev.TopicPartition.Topic, ev.TopicPartition.Partition, ev.TopicPartition.Offset)
			case kafka.Error:
				fmt.Fprintf(stdout, "Error: %v\n", ev)
			default:
				fmt.Fprintf(stdout, "Ignored event: %s\n", ev)
			}
		}
	}()

	for n := 0; n < count; {
		err := p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Value:          []byte(fmt.Sprintf("message %d", n)),
			Headers:        []kafka.Header{{Key: "example", Value: []byte("a header")}},
		}, nil)
		if err != nil {
			if err.(kafka.Error).Code() == kafka.ErrQueueFull {
				time.Sleep(time.Second)
				continue
			}
			fmt.Fprintf(stdout, "Failed to produce message: %v\n", err)
		}
		n++
	}

	for p.Flush(10000) > 0 {
		fmt.Fprint(stdout, "Still waiting to flush outstanding messages\n")
	}
	p.Close()
	<-delivered // Close closed Events: the goroutine ends
	return 0
}
