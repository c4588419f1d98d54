package route

import (
	"context"
	"errors"
	"sync"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
)

// slot is the router's connection to one broker address: at most one
// connection at a time, and at most one dial, whose result every caller
// waiting meanwhile shares.
type slot struct {
	node observe.Node

	// mu guards the following.
	mu      sync.Mutex
	conn    *broker.Conn  // nil, or the latest connection (possibly dead since)
	dialing chan struct{} // non-nil while a dial is under way; closed when it ends
	err     error         // why the latest dial failed
	closed  error         // set by close: no more dials, and a late connection is closed at once
}

// live returns the slot's connection if it is open, else nil.
func (s *slot) live() *broker.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && s.conn.Err() == nil {
		return s.conn
	}
	return nil
}

// get returns the slot's open connection, dialing one with k when there is
// none. A caller that finds a dial under way waits for it (or for its own
// ctx) and shares its result, unless the dial was cancelled because the
// caller that made it gave up: then it dials itself.
func (s *slot) get(ctx, dialCtx context.Context, k *broker.Connector) (*broker.Conn, error) {
	for {
		s.mu.Lock()
		if s.closed != nil {
			s.mu.Unlock()
			return nil, s.closed
		}
		if s.conn != nil && s.conn.Err() == nil {
			c := s.conn
			s.mu.Unlock()
			return c, nil
		}
		if ch := s.dialing; ch != nil {
			s.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			s.mu.Lock()
			c, err := s.conn, s.err
			s.mu.Unlock()
			if c != nil && c.Err() == nil {
				return c, nil
			}
			if err != nil && !errors.Is(err, context.Canceled) {
				return nil, err
			}
			continue
		}
		ch := make(chan struct{})
		s.dialing = ch
		s.conn = nil
		s.mu.Unlock()
		return s.dial(ctx, dialCtx, k, ch)
	}
}

// dial connects to the slot's broker under dialCtx, giving up when ctx
// ends too, and ends the dial under way (ch) with its result.
func (s *slot) dial(ctx, dialCtx context.Context, k *broker.Connector, ch chan struct{}) (*broker.Conn, error) {
	dctx, cancel := context.WithCancel(dialCtx)
	stop := context.AfterFunc(ctx, cancel)
	c, err := k.Connect(dctx, s.node)
	stop()
	cancel()

	s.mu.Lock()
	defer s.mu.Unlock()
	defer close(ch)
	s.dialing = nil
	s.err = err
	if err != nil {
		return nil, err
	}
	if s.closed != nil {
		c.Close(s.closed)
		return nil, s.closed
	}
	s.conn = c
	return c, nil
}

// close closes the slot's connection with err and refuses new dials; a
// dial under way closes its connection when it ends.
func (s *slot) close(err error) {
	s.mu.Lock()
	s.closed = err
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		c.Close(err)
	}
}
