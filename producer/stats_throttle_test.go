package producer_test

import (
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestStatisticsCountAThrottleInTheBrokersWindow(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1))
	throttleFirstProduce(c, 250)
	p := newProducer(t, c, producer.ConfigMap{"statistics.interval.ms": 100, "retry.backoff.ms": 1, "retry.backoff.max.ms": 1})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("v")}, nil))
	var cnt, maxMs, sum int64
	seen := 0 // statistics already added up
	pollStats(t, p, 10*time.Second, func(r *statsRun) bool {
		for _, s := range r.stats[seen:] {
			for _, b := range s.Brokers {
				cnt += b.Throttle.Cnt
				sum += b.Throttle.Sum
				maxMs = max(maxMs, b.Throttle.Max)
			}
		}
		seen = len(r.stats)
		return len(r.reports) == 1 && cnt > 0 && r.statsAfter > 1
	})
	require.Equal(t, int64(1), cnt, "one throttled response counted once, in one window")
	require.Equal(t, int64(250), sum, "the window holds milliseconds")
	require.Equal(t, int64(250), maxMs)
}

func TestAtMostOneStatisticsEventWaitsForPoll(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1))
	p := newProducer(t, c, producer.ConfigMap{"statistics.interval.ms": 10})
	// Twenty intervals pass without a Poll; then one Stats is waiting.
	time.Sleep(200 * time.Millisecond) // lets twenty intervals pass: not synchronisation, the assertion is on what they left
	n := 0
	for {
		e := p.Poll(0)
		if e == nil {
			break
		}
		if _, ok := e.(*producer.Stats); ok {
			n++
		}
	}
	require.Equal(t, 1, n, "statistics events waiting after twenty intervals without Poll")
	// Once polled, the next interval queues another.
	waitFor(t, 5*time.Second, "the next statistics event", func() bool {
		_, ok := p.Poll(10 * time.Millisecond).(*producer.Stats)
		return ok
	})
}

func TestAProducerHasOneNameInItsLogsAndItsStatistics(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1))
	// Another producer first, without statistics, so that numbering the
	// two apart would show.
	other, err := producer.New(producer.ConfigMap{"bootstrap.servers": c.ListenAddrs()[0]})
	require.NoError(t, err)
	other.Close()
	p := newProducer(t, c, producer.ConfigMap{"statistics.interval.ms": 20, "debug": "generic", "go.logs.channel.enable": true})
	var logName string
	select {
	case l := <-p.Logs():
		logName = l.Name
	case <-time.After(5 * time.Second):
		t.Fatal("no log line")
	}
	var s *producer.Stats
	waitFor(t, 5*time.Second, "a statistics event", func() bool {
		s, _ = p.Poll(10 * time.Millisecond).(*producer.Stats)
		return s != nil
	})
	require.Equal(t, logName, s.Name)
}
