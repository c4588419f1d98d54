package producer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReportQueueIsFIFOAcrossWrapAndGrowth(t *testing.T) {
	var servedN, servedBytes int64
	q := newReportQueue(func(n, b int64) { servedN += n; servedBytes += b })
	next, want := 0, 0
	msgs := func(k int) []*Message {
		ms := make([]*Message, k)
		for i := range ms {
			ms[i] = &Message{Value: make([]byte, 1), valueLen: 1, Offset: int64(next)}
			next++
		}
		return ms
	}
	popN := func(k int) {
		for range k {
			e := q.pop()
			require.NotNil(t, e)
			require.Equal(t, int64(want), e.(*Message).Offset, "reports come out in the order they went in")
			want++
		}
	}
	// Push and pop so that the head walks around the ring, then grow the
	// ring while it wraps.
	q.pushMessages(msgs(50))
	popN(40)
	q.pushMessages(msgs(50)) // wraps around the 64-slot ring
	q.push(Error{})          // an error event in between
	popN(60)
	require.IsType(t, Error{}, q.pop())
	q.pushMessages(msgs(300)) // grows while wrapped
	popN(300)
	require.Nil(t, q.pop())
	require.Equal(t, int64(next), servedN, "every popped report is counted out once the queue empties")
	require.Equal(t, int64(next), servedBytes)
}

// Several Polls waiting on an empty queue each get one of the reports of a
// batch that arrives at once: the first to wake hands the rest on.
func TestReportQueueWakesEveryWaitingPoll(t *testing.T) {
	q := newReportQueue(func(n, b int64) {})
	const pollers = 4
	got := make(chan Event, pollers)
	for range pollers {
		go func() { got <- q.wait(-1, true) }()
	}
	require.Eventually(t, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.waiting == pollers
	}, 5*time.Second, time.Millisecond, "every Poll blocks")
	ms := make([]*Message, pollers)
	for i := range ms {
		ms[i] = &Message{Offset: int64(i)}
	}
	q.pushMessages(ms)
	seen := map[int64]bool{}
	for range pollers {
		select {
		case e := <-got:
			seen[e.(*Message).Offset] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of %d waiting Polls got a report", len(seen), pollers)
		}
	}
	require.Len(t, seen, pollers)
	require.Eventually(t, func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.waiting == 0
	}, 5*time.Second, time.Millisecond)
}

// A Poll that finds reports waiting takes one without leaving a wake-up
// token behind for nobody.
func TestReportQueuePollWithoutWaitersSignalsNothing(t *testing.T) {
	q := newReportQueue(func(n, b int64) {})
	q.pushMessages([]*Message{{Offset: 0}, {Offset: 1}})
	<-q.ready // the push's own signal
	require.Equal(t, int64(0), q.wait(time.Second, true).(*Message).Offset)
	require.Empty(t, q.ready, "no Poll waits: no hand-off signal")
	require.Equal(t, int64(1), q.wait(0, true).(*Message).Offset)
}

// BenchmarkReportQueuePoll measures a Poll that finds its report waiting,
// reports arriving a batch of 100 at a time.
func BenchmarkReportQueuePoll(b *testing.B) {
	q := newReportQueue(func(n, b int64) {})
	ms := make([]*Message, 100)
	for i := range ms {
		ms[i] = &Message{Value: make([]byte, 100)}
	}
	b.ReportAllocs()
	for b.Loop() {
		q.pushMessages(ms)
		for range ms {
			if q.wait(time.Second, true) == nil {
				b.Fatal("no report")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ms)), "ns/report")
}

// held counts out the reports popped since the last counting out, so Len
// is exact while reports are being polled.
func TestReportQueueHeldSubtractsPoppedReports(t *testing.T) {
	var counted int64
	q := newReportQueue(func(n, b int64) { counted += n })
	ms := make([]*Message, 10)
	for i := range ms {
		ms[i] = &Message{}
	}
	q.pushMessages(ms)
	held := func() int { return 10 - int(counted) } // what the producer's account would say
	for popped := 1; popped <= 9; popped++ {
		require.NotNil(t, q.pop())
		require.Equal(t, 10-popped, q.held(held), "after %d pops", popped)
	}
	require.Zero(t, counted, "fewer than servedBatch pops are counted out at once")
	require.NotNil(t, q.pop())
	require.Equal(t, int64(10), counted, "the queue emptied: everything is counted out")
	require.Zero(t, q.held(held))
}
