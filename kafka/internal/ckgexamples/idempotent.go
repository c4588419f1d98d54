package ckgexamples

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/kprod-go/kprod/kafka"
)

// IdempotentProducer produces with enable.idempotence until a fatal error,
// which it raises itself with TestFatalError after fatalAt messages, then
// flushes, reads GetFatalError and exits 1: confluent-kafka-go's
// idempotent_producer_example (without its half-second pause per message).
func IdempotentProducer(args []string, stdout io.Writer) int {
	if len(args) != 3 {
		fmt.Fprintf(stdout, "Usage: %s <bootstrap-servers> <topic>\n", args[0])
		return 1
	}
	bootstrapServers, topic := args[1], args[2]
	const fatalAt = 13

	p, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers":  bootstrapServers,
		"enable.idempotence": true,
	})
	if err != nil {
		fmt.Fprintf(stdout, "Failed to create producer: %s\n", err)
		return 1
	}

	var run atomic.Bool
	run.Store(true)
	termChan := make(chan bool, 1)
	doneChan := make(chan bool)
	go func() {
		for doTerm := false; !doTerm; {
			select {
			case e := <-p.Events():
				switch ev := e.(type) {
				case *kafka.Message:
					if ev.TopicPartition.Error != nil {
						fmt.Fprintf(stdout, "Delivery failed: %v\n", ev.TopicPartition.Error)
					} else {
						fmt.Fprintf(stdout, "Delivered message to topic %s [%d] at offset %v\n",
							*ev.TopicPartition.Topic, ev.TopicPartition.Partition, ev.TopicPartition.Offset)
					}
				case kafka.Error:
					if ev.IsFatal() {
						fmt.Fprintf(stdout, "FATAL ERROR: %v: terminating\n", ev)
						run.Store(false)
					} else {
						fmt.Fprintf(stdout, "Error: %v\n", ev)
					}
				default:
					fmt.Fprintf(stdout, "Ignored event: %s\n", ev)
				}
			case <-termChan:
				doTerm = true
			}
		}
		close(doneChan)
	}()

	for n := 0; run.Load(); {
		err = p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
			Value:          []byte(fmt.Sprintf("idempotent message %d", n)),
		}, nil)
		if err != nil {
			fmt.Fprintf(stdout, "Failed to produce message: %v\n", err)
		}
		n++
		if n == fatalAt {
			p.TestFatalError(kafka.ErrOutOfOrderSequenceNumber, "Testing fatal errors")
		}
		if n > 100000 {
			break // the fatal error never came: let the test say so
		}
	}

	fmt.Fprintf(stdout, "Flushing outstanding messages\n")
	p.Flush(15 * 1000)
	termChan <- true
	<-doneChan

	fatalErr := p.GetFatalError()
	p.Close()
	if fatalErr != nil {
		return 1
	}
	return 0
}
