package producer_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kprod-go/kprod/producer"
)

// TestProduceCopiesWhatWaitsForMetadata: a caller reuses one key, value
// and header buffer for every message, as librdkafka's copy semantics
// allow, before the topic's metadata is known (the first messages of a
// service). Each message reaches the log with what the buffer held when
// it was produced.
func TestProduceCopiesWhatWaitsForMetadata(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true})
	key, val, hval := make([]byte, 8), make([]byte, 8), make([]byte, 8)
	const n = 20
	for i := range n {
		copy(key, fmt.Sprintf("key-%04d", i))
		copy(val, fmt.Sprintf("val-%04d", i))
		copy(hval, fmt.Sprintf("hdr-%04d", i))
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Key: key, Value: val,
			Headers: []producer.Header{{Key: "h", Value: hval}}}, nil))
	}
	copy(key, "clobber!")
	copy(val, "clobber!")
	copy(hval, "clobber!")
	pollReports(t, p, n, 10*time.Second)
	recs := consume(t, c, testTopic, n)
	require.Len(t, recs, n)
	for i, r := range recs {
		require.Equal(t, fmt.Sprintf("key-%04d", i), string(r.Key))
		require.Equal(t, fmt.Sprintf("val-%04d", i), string(r.Value))
		require.Equal(t, fmt.Sprintf("hdr-%04d", i), string(r.Headers[0].Value))
	}
}
