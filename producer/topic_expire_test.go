package producer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestExpireStopsAtFirstLiveMessage: the housekeeping scan of messages
// waiting for their topic's metadata fails the expired ones at the head,
// in order, and stops at the first one still live, so that a tick costs
// what expires rather than what waits; a message that raced past an
// older one (an earlier time behind a later one) expires on the next
// tick.
func TestExpireStopsAtFirstLiveMessage(t *testing.T) {
	p := newDeliveryOnly(t)
	p.cfg.snd.MessageTimeout = 10 * time.Millisecond
	p.cfg.metadataPropagationMax = time.Hour
	ms := make([]*Message, 5)
	enq := []time.Duration{0, 2, 8, 5, 20} // ms; the fourth raced past the third
	tp := &topic{name: "t"}
	for i := range ms {
		ms[i] = &Message{Topic: "t", Value: []byte("v"), valueLen: 1, enqueued: int64(enq[i] * time.Millisecond)}
		p.acct.take(1)
		tp.unassigned = append(tp.unassigned, ms[i])
	}
	polled := func() (got []*Message) {
		for e := p.Poll(0); e != nil; e = p.Poll(0) {
			m := e.(*Message)
			require.ErrorIs(t, m.Err, ErrMsgTimedOut)
			got = append(got, m)
		}
		return got
	}

	tp.expire(p, int64(15*time.Millisecond)) // 0, 2 and 5 are past 10 ms; 8 is not, and the scan stops there
	require.Equal(t, []*Message{ms[0], ms[1]}, polled())
	require.Equal(t, []*Message{ms[2], ms[3], ms[4]}, tp.unassigned)

	tp.expire(p, int64(19*time.Millisecond)) // 8 and the raced 5 now; 20 stays
	require.Equal(t, []*Message{ms[2], ms[3]}, polled())
	require.Equal(t, []*Message{ms[4]}, tp.unassigned)

	tp.expire(p, int64(29*time.Millisecond))
	require.Empty(t, polled(), "20 ms + 10 ms has not passed at 29 ms")
	tp.expire(p, int64(31*time.Millisecond))
	require.Equal(t, []*Message{ms[4]}, polled())
	require.Empty(t, tp.unassigned)
	require.Equal(t, 0, p.acct.heldMsgs())
}
