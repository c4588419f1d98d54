package kafka_test

import (
	"testing"
	"time"

	"github.com/kprod-go/kprod/kafka"
	"github.com/stretchr/testify/require"
)

// TestProduceAndItsReportAllocateNothingPerMessage locks the
// allocation-free path of this package: the producer.Message a Produce
// needs is recycled once its report is handed over, and the report is the
// caller's own *Message, filled in. Messages wait in their batch (linger.ms
// is long) and a purge reports them, so the count is of Produce, the pump
// and the producer's queues, not of the network or the broker, which run
// in this process too.
func TestProduceAndItsReportAllocateNothingPerMessage(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, kafka.ConfigMap{"linger.ms": 60000})
	const n = 1000
	dc := make(chan kafka.Event, n)
	msgs := make([]kafka.Message, n)
	topic := testTopic
	value := []byte("value")
	run := func() {
		for i := range msgs {
			msgs[i] = kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Value: value}
			if err := p.Produce(&msgs[i], dc); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Purge(kafka.PurgeQueue); err != nil {
			t.Fatal(err)
		}
		for range n {
			<-dc
		}
	}
	require.NoError(t, p.Produce(msg(testTopic, 0, "learn the metadata"), make(chan kafka.Event, 1)))
	require.Equal(t, 0, p.Flush(10*1000))
	run() // the pools
	perMessage := testing.AllocsPerRun(20, run) / n
	t.Logf("%.3f allocations per message", perMessage)
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose")
	}
	require.LessOrEqual(t, perMessage, 0.05)
}

// BenchmarkProduceEvents measures Produce with reports on Events, read by
// another goroutine, as confluent-kafka-go programs do.
func BenchmarkProduceEvents(b *testing.B) {
	c := newCluster(b)
	p := newProducer(b, c, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range p.Events() {
		}
	}()
	topic := testTopic
	value := make([]byte, 100)
	msgs := make([]kafka.Message, 1<<16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := &msgs[i&(len(msgs)-1)]
		*m = kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Value: value}
		for {
			err := p.Produce(m, nil)
			if err == nil {
				break
			}
			if err.(kafka.Error).Code() != kafka.ErrQueueFull {
				b.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		i++
		if i&(len(msgs)-1) == 0 {
			p.Flush(10 * 1000) // the messages are reused: let their reports come first
		}
	}
	p.Flush(30 * 1000)
	p.Close()
	<-done
}
