package producer_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kprod-go/kprod/producer"
)

// TestMetadataMaxAgeRefreshesStaleMetadata: with the periodic refresh off,
// metadata.max.age.ms still makes the producer look its topics up again
// once what it knows is that old.
func TestMetadataMaxAgeRefreshesStaleMetadata(t *testing.T) {
	c := newCluster(t)
	var lookups atomic.Int32
	c.ControlKey(int16(kmsg.Metadata), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if len(kreq.(*kmsg.MetadataRequest).Topics) > 0 {
			lookups.Add(1)
		}
		return nil, nil, false
	})
	p := newProducer(t, c, producer.ConfigMap{"topic.metadata.refresh.interval.ms": -1, "metadata.max.age.ms": 200})
	if err := p.Produce(&producer.Message{Topic: testTopic, Value: []byte("v")}, nil); err != nil {
		t.Fatal(err)
	}
	pollReports(t, p, 1, 10*time.Second)
	start := lookups.Load()
	waitFor(t, 5*time.Second, "two more topic lookups", func() bool { return lookups.Load() >= start+2 })
}
