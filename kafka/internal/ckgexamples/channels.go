package ckgexamples

import (
	"fmt"
	"io"
	"time"

	"github.com/kprod-go/kprod/kafka"
)

// ChannelProducer sends one message on ProduceChannel and waits for its
// report on Events before closing: confluent-kafka-go's
// legacy/producer_channel_example.
func ChannelProducer(args []string, stdout io.Writer) int {
	if len(args) != 3 {
		fmt.Fprintf(stdout, "Usage: %s <bootstrap-servers> <topic>\n", args[0])
		return 1
	}
	bootstrapServers, topic := args[1], args[2]

	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": bootstrapServers})
	if err != nil {
		fmt.Fprintf(stdout, "Failed to create producer: %s\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Created Producer %v\n", p)

	doneChan := make(chan bool)
	go func() {
		defer close(doneChan)
		for e := range p.Events() {
			switch ev := e.(type) {
			case *kafka.Message:
				if ev.TopicPartition.Error != nil {
					fmt.Fprintf(stdout, "Delivery failed: %v\n", ev.TopicPartition.Error)
				} else {
					fmt.Fprintf(stdout, "Delivered message to topic %s [%d] at offset %v\n",
						*ev.TopicPartition.Topic, ev.TopicPartition.Partition, ev.TopicPartition.Offset)
				}
				return
			default:
				fmt.Fprintf(stdout, "Ignored event: %s\n", ev)
			}
		}
	}()

	p.ProduceChannel() <- &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
		Value:          []byte("through the produce channel"),
	}
	<-doneChan
	p.Close()
	return 0
}

// CustomChannelProducer produces each message with a deliveryChan of its
// own, unbuffered, read and closed by a goroutine per message, while
// errors come on Events: confluent-kafka-go's
// producer_custom_channel_example.
func CustomChannelProducer(args []string, stdout io.Writer) int {
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

	go func() {
		for e := range p.Events() {
			switch ev := e.(type) {
			case kafka.Error:
				fmt.Fprintf(stdout, "Error: %v\n", ev)
			default:
				fmt.Fprintf(stdout, "Ignored event: %s\n", ev)
			}
		}
	}()

	for n := 0; n < count; {
		deliveryChan := make(chan kafka.Event)
		go func() {
			for e := range deliveryChan {
				switch ev := e.(type) {
				case *kafka.Message:
					if ev.TopicPartition.Error != nil {
						fmt.Fprintf(stdout, "Delivery failed: %v\n", ev.TopicPartition.Error)
					} else {
						fmt.Fprintf(stdout, "Delivered message to topic %s [%d] at offset %v\n",
							*ev.TopicPartition.Topic, ev.TopicPartition.Partition, ev.TopicPartition.Offset)
					}
				default:
					fmt.Fprintf(stdout, "Ignored event: %s\n", ev)
				}
				close(deliveryChan) // one report per message
			}
		}()

		err = p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Value:          []byte(fmt.Sprintf("custom channel message %d", n)),
			Headers:        []kafka.Header{{Key: "example", Value: []byte("a header")}},
		}, deliveryChan)
		if err != nil {
			close(deliveryChan)
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
	return 0
}
