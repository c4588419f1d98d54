package producer_test

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kfake"
)

// deliveryCounter is a hook: it implements HookDelivery and
// HookBatchWritten, and nothing else is asked of it.
type deliveryCounter struct {
	delivered, failed, records atomic.Int64
}

func (c *deliveryCounter) OnDelivery(d producer.Delivery) {
	if d.Err != nil {
		c.failed.Add(1)
		return
	}
	c.delivered.Add(1)
}

func (c *deliveryCounter) OnBatchWritten(b producer.BatchWritten) {
	c.records.Add(int64(b.Records))
}

// Hooks are told of events as they happen, on the producer's own
// goroutines: they count, and must not block. Metric plugins
// (plugin/kprom, plugin/kotel) are hooks too.
func ExampleWithHooks() {
	cluster, err := kfake.NewCluster(kfake.SeedTopics(1, "greetings"))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	var counter deliveryCounter
	p, err := producer.New(producer.ConfigMap{"bootstrap.servers": cluster.ListenAddrs()[0]},
		producer.WithHooks(&counter))
	if err != nil {
		panic(err)
	}
	defer p.Close()
	for _, who := range []string{"ada", "grace", "barbara"} {
		_ = p.Produce(&producer.Message{Topic: "greetings", Value: []byte("hello, " + who)}, nil)
	}
	p.Flush(10 * time.Second)
	fmt.Println("delivered:", counter.delivered.Load(), "failed:", counter.failed.Load(), "records written:", counter.records.Load())
	// Output: delivered: 3 failed: 0 records written: 3
}
