package broker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// reauthState is a connection's re-authentication (KIP-368): when the
// broker grants a SASL session with a lifetime, the connection
// authenticates again before it ends. As in librdkafka's REAUTH state, new
// requests are held back, the ones in flight are answered, the SASL
// exchange runs, and the held requests go out in the order they were sent.
// The broker closes a connection whose session has run out.
//
// Its fields are guarded by Conn.mu.
type reauthState struct {
	timer     *time.Timer   // fires at the next re-authentication; stopped by close
	idle      chan struct{} // closed by the reader when no response is awaited
	held      []heldRequest // sent during the exchange, in send order
	releasing int           // held requests taken for writing and not yet in the queue
	running   chan struct{} // non-nil while a re-authentication runs; closed when it ends
}

// heldRequest is a request sent while the connection re-authenticates.
type heldRequest struct {
	req      kmsg.Request
	deadline time.Time
	done     Done
	asked    time.Time
}

// reauthAt returns when to re-authenticate a session of the given lifetime:
// at a random point between 85% and 95% of it, as KIP-368 advises and the
// Java client does, so that connections authenticated together do not all
// come back at once. (librdkafka takes 90%.)
func reauthAt(lifetime time.Duration) time.Duration {
	return time.Duration(float64(lifetime) * (0.85 + 0.10*rand.Float64()))
}

// scheduleReauth arranges for auth to run on c again before a session of
// lifetime ends. A lifetime of 0 means the session does not expire.
func (c *Conn) scheduleReauth(lifetime time.Duration, auth AuthenticateFunc) {
	if lifetime <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.reauth.timer = time.AfterFunc(reauthAt(lifetime), func() { c.reauthenticate(auth) })
}

// reauthenticate runs on the timer's goroutine, which Close waits for: it
// holds new requests back, waits for the ones in flight to be answered,
// runs auth under the connection's context (so that closing the
// connection ends it) and socket.connection.setup.timeout.ms, and releases
// the held requests. A failure of the exchange itself closes the
// connection, failing the held requests with ErrNotSent, and is told as a
// ConnectError of step StepReauth, unless the connection's owner closed
// it meanwhile. A connection lost while the answers in flight drain is an
// ordinary disconnect, for its owner to see.
func (c *Conn) reauthenticate(auth AuthenticateFunc) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	running := make(chan struct{})
	c.reauth.running = running
	c.mu.Unlock()
	defer close(running)

	c.writeMu.Lock()
	c.holding = true
	c.writeMu.Unlock()

	if !c.awaitIdle() {
		return // closed: the held requests failed with it
	}
	ctx := c.ctx
	if c.cfg.DialTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.DialTimeout)
		defer cancel()
	}
	lifetime, err := auth(ctx, c)
	if err != nil {
		c.mu.Lock()
		byOwner := c.closed && c.byOwner
		c.mu.Unlock()
		if byOwner {
			return // closed by its owner meanwhile: nothing to tell
		}
		cerr := &ConnectError{Node: c.node, Step: StepReauth, Err: err}
		c.closeWith(cerr)
		if c.cfg.Failed != nil {
			c.cfg.Failed(cerr)
		}
		return
	}
	c.releaseHeld()
	c.scheduleReauth(lifetime, auth)
}

// Reauthenticating reports whether the connection has begun a
// re-authentication: an AuthenticateFunc that finds it true runs again on
// a connection in use, not on one being set up.
func (c *Conn) Reauthenticating() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reauth.running != nil
}

// awaitIdle waits until no response is awaited, and reports false if the
// connection closed first.
func (c *Conn) awaitIdle() bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	var idle chan struct{}
	if len(c.queue) > 0 {
		idle = make(chan struct{})
		c.reauth.idle = idle
	}
	c.mu.Unlock()
	if idle == nil {
		return true
	}
	select {
	case <-idle:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// releaseHeld writes the requests held during a re-authentication, in
// order, and lets new ones through again. A request whose deadline passed
// while it was held is not written: it fails with ErrNotSent, since a
// deadline in the past would time the whole connection out. InFlight
// counts every held request until it is in the queue of requests
// awaiting a response, so that a sink never has more in flight than it
// allows.
func (c *Conn) releaseHeld() {
	var failed []heldRequest
	var failErr []error
	c.writeMu.Lock()
	c.holding = false
	c.mu.Lock()
	held := c.reauth.held
	c.reauth.held = nil
	c.reauth.releasing = len(held)
	c.mu.Unlock()
	for i, h := range held {
		var err error
		if !h.deadline.IsZero() && !time.Now().Before(h.deadline) {
			err = notSent(fmt.Errorf("%w: its deadline passed while the connection re-authenticated", ErrTimeout))
		} else if werr := c.writeLocked(h.req, h.deadline, h.done, h.asked); werr != nil {
			err = notSent(werr)
		}
		c.mu.Lock()
		c.reauth.releasing = len(held) - i - 1
		c.mu.Unlock()
		if err != nil {
			failed, failErr = append(failed, h), append(failErr, err)
		}
	}
	c.writeMu.Unlock()
	for i, h := range failed { // no lock held while callbacks run
		h.done(nil, failErr[i])
	}
}
