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
// authenticates again before it ends, as librdkafka's REAUTH state does:
// new requests are held back, the ones in flight are answered, the SASL
// exchange runs, and the held requests go out in the order they were sent.
// The broker closes a connection whose session has run out.
//
// Its fields are guarded by Conn.mu.
type reauthState struct {
	timer   *time.Timer   // fires at the next re-authentication; stopped by close
	idle    chan struct{} // closed by the reader when no response is awaited
	held    []heldRequest // sent during the exchange, in send order
	running chan struct{} // non-nil while a re-authentication runs; closed when it ends
}

// heldRequest is a request sent while the connection re-authenticates.
type heldRequest struct {
	req      kmsg.Request
	deadline time.Time
	done     Done
	asked    time.Time
}

// reauthAt returns when to re-authenticate a session of the given lifetime:
// at a random point between 85% and 95% of it, as KIP-368 advises, so that
// connections authenticated together do not all come back at once.
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
// runs auth, and releases the held requests. A failure closes the
// connection, failing the held requests, and is reported as a ConnectError
// of step StepReauth.
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

	lifetime, err := c.reauthExchange(auth)
	if err != nil {
		c.mu.Lock()
		closedHere := c.closed && !c.byPeer
		c.mu.Unlock()
		if closedHere {
			return // closed by its owner meanwhile: nothing to tell
		}
		cerr := &ConnectError{Node: c.node, Step: StepReauth, Err: err}
		c.Abort(cerr)
		if c.cfg.Failed != nil {
			c.cfg.Failed(cerr)
		}
		return
	}
	c.releaseHeld()
	c.scheduleReauth(lifetime, auth)
}

// reauthExchange waits until no response is awaited, then runs auth.
func (c *Conn) reauthExchange(auth AuthenticateFunc) (time.Duration, error) {
	c.mu.Lock()
	var idle chan struct{}
	if len(c.queue) > 0 && !c.closed {
		idle = make(chan struct{})
		c.reauth.idle = idle
	}
	c.mu.Unlock()
	if idle != nil {
		select {
		case <-idle:
		case <-c.readerDone:
			return 0, c.Err()
		}
	}
	ctx := context.Background()
	if c.cfg.DialTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.DialTimeout)
		defer cancel()
	}
	return auth(ctx, c)
}

// releaseHeld writes the requests held during a re-authentication, in
// order, and lets new ones through again.
func (c *Conn) releaseHeld() {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.holding = false
	c.mu.Lock()
	held := c.reauth.held
	c.reauth.held = nil
	c.mu.Unlock()
	for i, h := range held {
		if err := c.writeLocked(h.req, h.deadline, h.done, h.asked); err != nil {
			for _, rest := range held[i:] {
				rest.done(nil, fmt.Errorf("request held for re-authentication: %w", err))
			}
			return
		}
	}
}
