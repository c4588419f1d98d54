package producer

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReportQueueIsFIFOAcrossWrapAndGrowth(t *testing.T) {
	var servedN, servedBytes int64
	q := newReportQueue(func(n, b int64) { servedN += n; servedBytes += b })
	next, want := 0, 0
	msgs := func(k int) []*Message {
		ms := make([]*Message, k)
		for i := range ms {
			ms[i] = &Message{Value: make([]byte, 1), Offset: int64(next)}
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
