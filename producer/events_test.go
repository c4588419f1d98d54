package producer_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

// A loop over Events receives every report and ends when Close closes
// the channel, as with confluent-kafka-go.
func TestEventsCarriesReportsAndEndsAtClose(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 5})
	events := p.Events()
	require.Equal(t, events, p.Events(), "every call returns the same channel")
	const n = 500
	var reports atomic.Int64
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for e := range events {
			m, ok := e.(*producer.Message)
			if !ok {
				continue
			}
			if m.Err != nil {
				t.Errorf("report: %v", m.Err)
			}
			reports.Add(1)
		}
	}()
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte(fmt.Sprint(i))}, nil))
	}
	require.Zero(t, p.Flush(10*time.Second))
	waitFor(t, 5*time.Second, "every report received", func() bool { return reports.Load() == n })
	require.Zero(t, p.Len(), "a report received from Events no longer counts")
	p.Close()
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
		t.Fatal("the loop over Events did not end at Close")
	}
	require.Equal(t, int64(n), reports.Load())
	require.Nil(t, p.Poll(-1), "nothing left for Poll")
	require.Len(t, consume(t, c, testTopic, n), n)
}

// Events nobody reads does not hold Close: the channel is closed within
// the bound with what its buffer holds, and the events it could not take
// go to Poll.
func TestEventsUnreadAtClose(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1), kfake.SeedTopics(2, "mute"))
	read := muteProduce(c)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 0, "batch.size": 64 << 10})
	events := p.Events()
	const n = 3000 // more than the channel's buffer
	produceHeld(t, p, "mute", n, 1000, nil)
	waitFor(t, 10*time.Second, "a Produce request read by the broker", func() bool { return read.Load() > 0 })
	start := time.Now()
	p.Close()
	took := time.Since(start)
	require.Less(t, took, closeBound, "Close took %v", took)
	var got []*producer.Message
	for e := range events { // ends: Close closed the channel
		got = append(got, e.(*producer.Message))
	}
	require.Equal(t, cap(events), len(got), "the channel keeps what its buffer took")
	r := checkCloseReports(t, p, n, got)
	t.Logf("Close took %v; %d from Events, the rest from Poll; %d possibly persisted, %d not", took, len(got), r.possibly, r.not)
	_, open := <-p.Events()
	require.False(t, open)
}

// Poll(-1) waiting when Close runs returns nil once nothing is left; a
// Poll after Close does not wait.
func TestPollReturnsNilAfterClose(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	got := make(chan producer.Event, 1)
	go func() { got <- p.Poll(-1) }() // waiting already or not: either way it must end
	p.Close()
	select {
	case e := <-got:
		require.Nil(t, e)
	case <-time.After(2 * time.Second):
		t.Fatal("Poll(-1) still waits after Close")
	}
	start := time.Now()
	require.Nil(t, p.Poll(time.Hour))
	require.Less(t, time.Since(start), 100*time.Millisecond)
}
