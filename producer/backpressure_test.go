package producer_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
)

func TestAStoppedBrokerMeetsQueueFullAndBoundedMemory(t *testing.T) {
	c := newCluster(t)
	var sw netSwitch
	const limitKB = 8 << 10 // 8 MiB of values
	p := newProducer(t, c, producer.ConfigMap{
		"queue.buffering.max.kbytes":   limitKB,
		"queue.buffering.max.messages": 0,
		"message.timeout.ms":           0, // wait for the broker forever
		"linger.ms":                    1,
	}, producer.WithDialer(sw.dial))
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil))
	require.Equal(t, 0, p.Flush(10*time.Second))
	pollReports(t, p, 1, time.Second)

	sw.cut()
	value := bytes.Repeat([]byte("v"), 1000)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	accepted, refused := 0, 0
	for refused < 50_000 { // keep pushing far past the limit
		err := p.Produce(&producer.Message{Topic: testTopic, Partition: producer.PartitionAny, Key: keyFor(accepted), Value: value}, nil)
		switch {
		case err == nil:
			accepted++
		case errors.Is(err, producer.ErrQueueFull):
			refused++
		default:
			t.Fatal(err)
		}
	}
	require.Equal(t, limitKB*1024/len(value), accepted, "messages accepted up to queue.buffering.max.kbytes")
	require.Equal(t, accepted, p.Len())

	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("accepted %d, refused %d, heap grew %.1f MiB for %d MiB of values", accepted, refused, float64(grown)/(1<<20), limitKB>>10)
	// Batches hold each value once, encoded, in buffers grown by appending;
	// the Message structs are the caller's. The bound is the limit, as much
	// again for encoding and growth slack, and a fixed 8 MiB: generous, yet
	// a leak or an unbounded queue (50,000 refused messages, 50 MB of
	// values) would break it.
	require.Less(t, grown, int64(2*limitKB*1024+8<<20), "memory bounded by queue.buffering.max.kbytes plus a fixed overhead")

	sw.heal()
	require.Equal(t, 0, p.Flush(30*time.Second))
	for _, m := range pollReports(t, p, accepted, 10*time.Second) {
		require.NoError(t, m.Err)
	}
}
