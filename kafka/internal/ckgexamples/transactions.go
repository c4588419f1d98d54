package ckgexamples

import (
	"context"
	"fmt"
	"io"

	"github.com/kprod-go/kprod/kafka"
)

// TransactionalProducer is the producer side of confluent-kafka-go's
// transactions_example, without its consumer: per batch it begins a
// transaction, produces, adds the input offsets it would have consumed
// (with test group metadata), and commits, aborting when the error says
// the transaction must be, and retrying what is retriable. Batches whose
// number is in abortBatches are aborted on purpose.
func TransactionalProducer(args []string, stdout io.Writer) int {
	if len(args) != 4 {
		fmt.Fprintf(stdout, "Usage: %s <bootstrap-servers> <input-topic> <output-topic>\n", args[0])
		return 1
	}
	bootstrapServers, inputTopic, outputTopic := args[1], args[2], args[3]
	const batches, perBatch = 4, 5
	abortBatches := map[int]bool{2: true}
	ctx := context.Background()

	p, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers": bootstrapServers,
		"transactional.id":  "example-processor",
	})
	if err != nil {
		fmt.Fprintf(stdout, "Failed to create producer: %s\n", err)
		return 1
	}
	defer p.Close()
	go func() {
		for e := range p.Events() {
			if m, ok := e.(*kafka.Message); ok && m.TopicPartition.Error != nil {
				fmt.Fprintf(stdout, "Delivery failed: %v\n", m.TopicPartition.Error)
			}
		}
	}()

	if err := p.InitTransactions(ctx); err != nil {
		fmt.Fprintf(stdout, "InitTransactions failed: %v\n", err)
		return 1
	}
	groupMetadata, err := kafka.NewTestConsumerGroupMetadata("example-group")
	if err != nil {
		fmt.Fprintf(stdout, "Failed to make group metadata: %v\n", err)
		return 1
	}

	for b := 0; b < batches; b++ {
		if err := p.BeginTransaction(); err != nil {
			fmt.Fprintf(stdout, "BeginTransaction failed: %v\n", err)
			return 1
		}
		for i := 0; i < perBatch; i++ {
			err := p.Produce(&kafka.Message{
				TopicPartition: kafka.TopicPartition{Topic: &outputTopic, Partition: kafka.PartitionAny},
				Key:            []byte(fmt.Sprintf("batch %d", b)),
				Value:          []byte(fmt.Sprintf("batch %d message %d", b, i)),
			}, nil)
			if err != nil {
				fmt.Fprintf(stdout, "Failed to produce message: %v\n", err)
			}
		}
		offsets := []kafka.TopicPartition{{Topic: &inputTopic, Partition: 0, Offset: kafka.Offset((b + 1) * perBatch)}}
		err := p.SendOffsetsToTransaction(ctx, offsets, groupMetadata)
		if err == nil && !abortBatches[b] {
			err = commit(ctx, p)
		}
		if err != nil || abortBatches[b] {
			if err != nil {
				fmt.Fprintf(stdout, "Transaction of batch %d failed: %v: aborting\n", b, err)
				if err.(kafka.Error).IsFatal() {
					return 1
				}
			}
			if err := p.AbortTransaction(ctx); err != nil {
				fmt.Fprintf(stdout, "AbortTransaction failed: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "Aborted batch %d\n", b)
			continue
		}
		fmt.Fprintf(stdout, "Committed batch %d\n", b)
	}
	return 0
}

// commit commits the current transaction, retrying while the error is
// retriable, as the example's helper does.
func commit(ctx context.Context, p *kafka.Producer) error {
	for {
		err := p.CommitTransaction(ctx)
		if err == nil {
			return nil
		}
		if ke, ok := err.(kafka.Error); ok && ke.IsRetriable() && !ke.TxnRequiresAbort() {
			continue
		}
		return err
	}
}
