package producer_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
)

// Every message Produce accepts gets exactly one report, even when Close
// runs while Produce is being called: a Produce that loses the race is
// refused with ErrDestroy, never accepted and forgotten.
func TestProduceRacingCloseLosesNoReport(t *testing.T) {
	c := newCluster(t)
	for round := range 20 {
		p, err := producer.New(producer.ConfigMap{
			"bootstrap.servers": c.ListenAddrs()[0],
			"linger.ms":         50, // messages stay queued, so that Close finds some
		})
		require.NoError(t, err)
		// Half the rounds produce to a topic whose metadata is not known
		// yet too, so that messages also wait unassigned.
		topics := []string{testTopic}
		if round%2 == 1 {
			topics = append(topics, fmt.Sprintf("new-%d", round))
		}
		var accepted atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := 0; ; i++ {
					m := &producer.Message{Topic: topics[i%len(topics)], Value: []byte(fmt.Sprintf("%d-%d", g, i))}
					switch err := p.Produce(m, nil); {
					case err == nil:
						accepted.Add(1)
					case errors.Is(err, producer.ErrDestroy):
						return
					case errors.Is(err, producer.ErrQueueFull):
					default:
						t.Errorf("Produce: %v", err)
						return
					}
				}
			}()
		}
		close(start)
		waitFor(t, 5*time.Second, "messages accepted", func() bool { return accepted.Load() > 200 })
		p.Close()
		wg.Wait()
		reports := 0
		for e := p.Poll(0); e != nil; e = p.Poll(0) {
			if _, ok := e.(*producer.Message); ok {
				reports++
			}
		}
		require.Equal(t, int(accepted.Load()), reports, "round %d: reports for the accepted messages", round)
		require.Equal(t, 0, p.Len(), "round %d: messages still held after Close", round)
	}
	checkNoLeaks(t)
}
