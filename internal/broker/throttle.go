package broker

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// throttleEpoch is the reference a connection's throttle deadline is kept
// against: nanoseconds since it, on the monotonic clock, fit one atomic.
var throttleEpoch = time.Now()

// throttle is how long the broker asked the connection to stay quiet.
//
// Since Kafka 2.0 (KIP-219) a broker answers a request over its quota at
// once, with ThrottleTimeMs set, and then mutes the connection for that
// long: a request written meanwhile only waits in the broker's socket
// buffer, counting against its timeout. A client should send nothing on
// the connection until the throttle passes. Older request versions meant
// the broker had already delayed the response; nothing is left to wait.
type throttle struct {
	until atomic.Int64 // nanoseconds since throttleEpoch; 0: never throttled
}

// note records the throttle a decoded response carries, if the broker
// applies it after responding. It runs on the reader goroutine, once per
// response: a type check; the clock is read and the atomic written only
// when the response carries a throttle.
func (t *throttle) note(resp kmsg.Response) {
	tr, ok := resp.(kmsg.ThrottleResponse)
	if !ok {
		return
	}
	ms, after := tr.Throttle()
	if ms <= 0 || !after {
		return
	}
	until := int64(time.Since(throttleEpoch) + time.Duration(ms)*time.Millisecond)
	for { // a later response may carry a shorter throttle: keep the latest end
		old := t.until.Load()
		if old >= until || t.until.CompareAndSwap(old, until) {
			return
		}
	}
}

// ThrottledUntil returns when the throttle the broker last asked for on
// this connection ends, or the zero time when it never asked for one. No
// request should be sent on the connection before then (KIP-219); the
// connection itself does not hold requests back.
func (c *Conn) ThrottledUntil() time.Time {
	u := c.throttle.until.Load()
	if u == 0 {
		return time.Time{}
	}
	return throttleEpoch.Add(time.Duration(u))
}

// ThrottleLeft returns how long the connection is still throttled: 0 when
// it is not.
func (c *Conn) ThrottleLeft() time.Duration {
	u := c.throttle.until.Load()
	if u == 0 {
		return 0
	}
	return max(time.Duration(u)-time.Since(throttleEpoch), 0)
}

// WaitThrottle waits until the connection's throttle passes, ctx ends or
// the connection closes, for a caller that sends one request at a time
// and may block. It returns ctx's error, or nil.
func (c *Conn) WaitThrottle(ctx context.Context) error {
	d := c.ThrottleLeft()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.readerDone:
		return nil // the send that follows reports the close
	}
}
