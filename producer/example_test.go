package producer_test

import (
	"fmt"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kfake"
)

// This example produces to an embedded broker and reads the delivery
// reports from Poll.
func Example() {
	cluster, err := kfake.NewCluster(kfake.SeedTopics(3, "greetings"))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers": cluster.ListenAddrs()[0],
		"linger.ms":         5,
	})
	if err != nil {
		panic(err)
	}
	defer p.Close()

	for _, who := range []string{"ada", "grace", "barbara"} {
		err := p.Produce(&producer.Message{
			Topic:     "greetings",
			Partition: 0,
			Key:       []byte(who),
			Value:     []byte("hello, " + who),
		}, nil)
		if err != nil {
			panic(err)
		}
	}
	fmt.Println("undelivered after flush:", p.Flush(10*time.Second))
	for range 3 {
		m := p.Poll(time.Second).(*producer.Message)
		fmt.Printf("%s -> partition %d offset %d, err %v, %v\n", m.Key, m.Partition, m.Offset, m.Err, m.Status)
	}
	// Output:
	// undelivered after flush: 0
	// ada -> partition 0 offset 0, err <nil>, Persisted
	// grace -> partition 0 offset 1, err <nil>, Persisted
	// barbara -> partition 0 offset 2, err <nil>, Persisted
}

// A bad property fails New with an error that names it.
func ExampleNew_badProperty() {
	_, err := producer.New(producer.ConfigMap{
		"bootstrap.servers": "localhost:9092",
		"linger.ms":         -1,
	})
	fmt.Println(err)
	// Output:
	// Configuration property "linger.ms" value -1 is outside allowed range 0..900000
}
