package kprodtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
)

// A service test: start a cluster, produce through a broker that refuses
// the first requests, and check what the brokers stored. In a test
// function, kprodtest.New(t, ...) starts the cluster and closes it when the
// test ends.
func Example() {
	cluster, err := kprodtest.NewCluster(kprodtest.WithTopic("orders", 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()

	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers":  cluster.BootstrapServers(),
		"enable.idempotence": true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	// The next two Produce requests are answered NOT_ENOUGH_REPLICAS, a
	// retriable error: the producer retries and loses nothing.
	refused := cluster.RefuseProduce(producer.ErrNotEnoughReplicas, 2)

	for i, item := range []string{"apple", "pear", "plum"} {
		err := p.Produce(&producer.Message{
			Topic:     "orders",
			Partition: producer.PartitionAny,
			Key:       fmt.Appendf(nil, "order-%d", i),
			Value:     []byte(item),
		}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	if left := p.Flush(10 * time.Second); left > 0 {
		fmt.Println(left, "messages not delivered")
		return
	}
	fmt.Println("requests refused:", refused.Hits())

	records, err := cluster.Records(context.Background(), "orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range records {
		fmt.Printf("partition %d offset %d: %s=%s\n", r.Partition, r.Offset, r.Key, r.Value)
	}
	// Output:
	// requests refused: 2
	// partition 0 offset 0: order-0=apple
	// partition 0 offset 1: order-1=pear
	// partition 0 offset 2: order-2=plum
}

// Stopping a broker closes its connections and refuses new ones; its
// partitions get leaders among the running brokers.
func ExampleCluster_StopBroker() {
	cluster, err := kprodtest.NewCluster(kprodtest.WithBrokers(2), kprodtest.WithTopic("orders", 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()

	leader := cluster.Leader("orders", 0)
	if err := cluster.StopBroker(leader); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leader moved:", cluster.Leader("orders", 0) != leader)
	if err := cluster.StartBroker(leader); err != nil {
		fmt.Println(err)
		return
	}
	// Output:
	// leader moved: true
}
