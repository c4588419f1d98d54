package broker

import (
	"time"

	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The connection's reports to its Observer. Each is called only when
// there is one: the callers check c.obs, so that without an observer a
// request costs no clock reading and no call.

// written reports a request written, or the failure to write it, and
// records when its write ended for its round-trip time. It runs under
// writeMu.
func (c *Conn) written(req kmsg.Request, corr int32, n int, noResp bool, asked, began time.Time, err error) {
	end := time.Now()
	if err == nil && !noResp {
		c.mu.Lock()
		for i := len(c.queue) - 1; i >= 0; i-- { // it is at the back, unless already answered
			if c.queue[i].corr == corr {
				c.queue[i].written = end
				break
			}
		}
		c.mu.Unlock()
	}
	c.obs.OnRequestWritten(observe.RequestWritten{
		Node:       c.node,
		Key:        req.Key(),
		Version:    req.GetVersion(),
		Bytes:      n,
		Wait:       began.Sub(asked),
		Write:      end.Sub(began),
		NoResponse: noResp,
		Err:        err,
	})
}

// read reports a response read (err nil) or one that could not be
// decoded, and the throttle time a decoded response carries.
func (c *Conn) read(p pending, n int, resp kmsg.Response, err error) {
	c.obs.OnResponseRead(observe.ResponseRead{Node: c.node, Key: p.req.Key(), Bytes: n, RTT: p.rtt(time.Now()), Err: err})
	if resp == nil {
		return
	}
	if tr, ok := resp.(kmsg.ThrottleResponse); ok {
		if ms, after := tr.Throttle(); ms > 0 {
			c.obs.OnThrottle(observe.Throttle{Node: c.node, Key: p.req.Key(), Time: time.Duration(ms) * time.Millisecond, AfterResponse: after})
		}
	}
}

// unanswered reports a request that will get no response: the connection
// closed with err first.
func (c *Conn) unanswered(p pending, err error) {
	c.obs.OnResponseRead(observe.ResponseRead{Node: c.node, Key: p.req.Key(), RTT: p.rtt(time.Now()), Err: err})
}

// rtt is the time from the end of the request's write to now; from the
// start of its write when the answer came before the write was recorded
// as over.
func (p *pending) rtt(now time.Time) time.Duration {
	if !p.written.IsZero() {
		return now.Sub(p.written)
	}
	if !p.began.IsZero() {
		return now.Sub(p.began)
	}
	return 0
}
