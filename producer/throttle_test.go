package producer_test

import (
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/observe/observetest"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// throttleFirstProduce makes c answer the first Produce request itself,
// refusing every partition with a retriable NOT_ENOUGH_REPLICAS and
// asking for a throttle of ms; kfake handles every later one. It returns
// when that answer was handed back and when each Produce request arrived.
func throttleFirstProduce(c *kfake.Cluster, ms int32) func() (answered time.Time, arrived []time.Time) {
	var mu sync.Mutex
	var answered time.Time
	var arrived []time.Time
	c.ControlKey(kmsg.Produce.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		arrived = append(arrived, time.Now())
		if len(arrived) > 1 {
			return nil, nil, false
		}
		req := r.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		resp.ThrottleMillis = ms
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.NotEnoughReplicas.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		answered = time.Now() // the client reads it after this
		return resp, nil, true
	})
	return func() (time.Time, []time.Time) {
		mu.Lock()
		defer mu.Unlock()
		return answered, append([]time.Time(nil), arrived...)
	}
}

func TestThrottledBrokerGetsNoRequestUntilTheThrottlePasses(t *testing.T) {
	const throttle = 300 * time.Millisecond
	c := newCluster(t, kfake.NumBrokers(1))
	seen := throttleFirstProduce(c, int32(throttle/time.Millisecond))
	var rec observetest.Recorder
	// A retry would go after 1 ms without the throttle.
	p := newProducer(t, c, producer.ConfigMap{"retry.backoff.ms": 1, "retry.backoff.max.ms": 1}, producer.WithObserver(&rec))

	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("v")}, nil))
	m := pollReports(t, p, 1, 10*time.Second)[0]
	require.NoError(t, m.Err)

	answered, arrived := seen()
	require.Len(t, arrived, 2, "Produce requests: the throttled one and its retry")
	require.GreaterOrEqual(t, arrived[1].Sub(answered), throttle, "the retry waited for the throttle")

	throttles := rec.Throttles()
	require.Len(t, throttles, 1)
	require.Equal(t, kmsg.Produce.Int16(), throttles[0].Key)
	require.Equal(t, throttle, throttles[0].Time)
	require.True(t, throttles[0].AfterResponse, "Produce v8 is throttled after the response (KIP-219)")

	// The throttle has passed: the next message goes at once.
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("w")}, nil))
	require.NoError(t, pollReports(t, p, 1, 10*time.Second)[0].Err)
	_, arrived = seen()
	require.Len(t, arrived, 3)
}
