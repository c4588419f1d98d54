package producer_test

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
)

// drRecorder is a delivery function that records each report and fails
// the test if it is ever called while it runs.
type drRecorder struct {
	t       testing.TB
	running atomic.Bool
	mu      sync.Mutex
	seen    map[int]int       // message index → calls
	offsets map[int32][]int64 // per partition, in call order
}

func newDRRecorder(t testing.TB) *drRecorder {
	return &drRecorder{t: t, seen: map[int]int{}, offsets: map[int32][]int64{}}
}

func (r *drRecorder) fn(m *producer.Message) {
	if !r.running.CompareAndSwap(false, true) {
		r.t.Errorf("the delivery function was called while it ran")
	}
	defer r.running.Store(false)
	if m.Err != nil {
		r.t.Errorf("report: %v", m.Err)
	}
	i, err := strconv.Atoi(string(m.Value))
	if err != nil {
		r.t.Errorf("value %q", m.Value)
	}
	r.mu.Lock()
	r.seen[i]++
	r.offsets[m.Partition] = append(r.offsets[m.Partition], m.Offset)
	r.mu.Unlock()
}

func (r *drRecorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.seen {
		n += c
	}
	return n
}

// Flush serves the delivery function with every report, on the caller's
// goroutine, while Polls from other goroutines serve it too: each report
// once, never two calls at a time, each partition's in offset order;
// reports of messages with a deliveryChan still go there.
func TestDeliveryFuncServedByPollAndFlush(t *testing.T) {
	c := newCluster(t)
	rec := newDRRecorder(t)
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 2}, producer.WithDeliveryFunc(rec.fn))
	const n, withChan = 5000, 100
	dr := make(chan producer.Event, withChan)
	stop := make(chan struct{})
	var pollers sync.WaitGroup
	for range 3 {
		pollers.Add(1)
		go func() {
			defer pollers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if e := p.Poll(10 * time.Millisecond); e != nil {
					if _, ok := e.(*producer.Message); ok {
						t.Errorf("Poll returned a report: the function gets them")
					}
				}
			}
		}()
	}
	for i := range n {
		var ch chan producer.Event
		if i < withChan {
			ch = dr
		}
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte(fmt.Sprint(i))}, ch))
	}
	require.Zero(t, p.Flush(10*time.Second), "Flush returns once every report is served")
	require.Equal(t, n-withChan, rec.calls(), "served before Flush returned")
	close(stop)
	pollers.Wait()
	require.Len(t, dr, withChan)
	for i := withChan; i < n; i++ {
		require.Equal(t, 1, rec.seen[i], "message %d", i)
	}
	for part, offs := range rec.offsets {
		for j := 1; j < len(offs); j++ {
			require.Greater(t, offs[j], offs[j-1], "partition %d: reports out of order", part)
		}
	}
	require.Zero(t, p.Len())
	require.Len(t, consume(t, c, testTopic, n), n)
}

// Poll alone serves the delivery function too, and returns nil for
// reports it served.
func TestDeliveryFuncServedByPoll(t *testing.T) {
	c := newCluster(t)
	rec := newDRRecorder(t)
	p := newProducer(t, c, nil, producer.WithDeliveryFunc(rec.fn))
	const n = 1000
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte(fmt.Sprint(i))}, nil))
	}
	deadline := time.Now().Add(10 * time.Second)
	for rec.calls() < n && time.Now().Before(deadline) {
		if e := p.Poll(100 * time.Millisecond); e != nil {
			t.Logf("event: %v", e)
		}
	}
	require.Equal(t, n, rec.calls())
	require.Zero(t, p.Len())
	require.Nil(t, p.Poll(0))
}

// WithDeliveryFunc refuses a nil function.
func TestWithDeliveryFuncNil(t *testing.T) {
	_, err := producer.New(producer.ConfigMap{"bootstrap.servers": "127.0.0.1:1"}, producer.WithDeliveryFunc(nil))
	require.ErrorIs(t, err, producer.ErrInvalidArg)
}
