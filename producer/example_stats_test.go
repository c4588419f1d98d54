package producer_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kfake"
)

// With statistics.interval.ms, Poll returns a *Stats at each interval: Go
// code reads its fields, and its String is librdkafka's statistics JSON
// for tools that parse it.
func ExampleStats() {
	cluster, err := kfake.NewCluster(kfake.SeedTopics(1, "metrics"))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers":      cluster.ListenAddrs()[0],
		"statistics.interval.ms": 100,
	})
	if err != nil {
		panic(err)
	}
	defer p.Close()

	for i := range 3 {
		if err := p.Produce(&producer.Message{Topic: "metrics", Partition: 0, Value: fmt.Appendf(nil, "m%d", i)}, nil); err != nil {
			panic(err)
		}
	}
	p.Flush(10 * time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s, ok := p.Poll(time.Second).(*producer.Stats)
		if !ok || s.TxMsgs < 3 {
			continue // a delivery report, or statistics from before the deliveries
		}
		fmt.Println("type:", s.Type)
		fmt.Println("partition 0 txmsgs:", s.Topics["metrics"].Partitions["0"].TxMsgs)

		var parsed struct {
			TxMsgs  int64                     `json:"txmsgs"`
			Brokers map[string]map[string]any `json:"brokers"`
		}
		if err := json.Unmarshal([]byte(s.String()), &parsed); err != nil {
			panic(err)
		}
		fmt.Println("from the JSON: txmsgs", parsed.TxMsgs, "brokers", len(parsed.Brokers) > 0)
		break
	}
	// Output:
	// type: producer
	// partition 0 txmsgs: 3
	// from the JSON: txmsgs 3 brokers true
}
