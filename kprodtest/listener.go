package kprodtest

import (
	"net"
	"sync"
)

// brokerListener is the listener a kfake broker accepts connections on. It
// lets a broker stop as a real one does: pause closes the socket, so new
// connections are refused, and closes every connection it accepted, so
// clients see their requests fail at once; resume listens on the same
// address again. kfake's accept loop stays blocked in Accept while the
// listener is paused.
type brokerListener struct {
	addr net.Addr // the address, the same across pause and resume
	done chan struct{}

	// mu guards the following.
	mu      sync.Mutex
	ln      net.Listener // nil while paused
	resumed chan struct{}
	conns   map[*trackedConn]struct{}
	closed  bool
}

func newBrokerListener(ln net.Listener) *brokerListener {
	return &brokerListener{
		addr:  ln.Addr(),
		done:  make(chan struct{}),
		ln:    ln,
		conns: make(map[*trackedConn]struct{}),
	}
}

// Accept waits for a connection; while the listener is paused it waits for
// resume or Close.
func (l *brokerListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, net.ErrClosed
		}
		ln, resumed := l.ln, l.resumed
		l.mu.Unlock()
		if ln == nil {
			select {
			case <-resumed:
			case <-l.done:
			}
			continue
		}
		conn, err := ln.Accept()
		l.mu.Lock()
		if err != nil {
			pausedUnder := l.ln != ln && !l.closed
			l.mu.Unlock()
			if pausedUnder {
				continue // pause closed ln under us
			}
			return nil, err
		}
		if l.closed || l.ln != ln {
			l.mu.Unlock()
			conn.Close()
			continue
		}
		tc := &trackedConn{Conn: conn, l: l}
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		return tc, nil
	}
}

// pause closes the socket and every accepted connection.
func (l *brokerListener) pause() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
		l.resumed = make(chan struct{})
	}
	l.closeConnsLocked()
}

// resume listens on the address again.
func (l *brokerListener) resume() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.ln != nil {
		return nil
	}
	ln, err := net.Listen(l.addr.Network(), l.addr.String())
	if err != nil {
		return err
	}
	l.ln = ln
	close(l.resumed)
	return nil
}

// Close ends the listener for good: kfake calls it when the broker is
// removed or the cluster closes.
func (l *brokerListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	close(l.done)
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
	l.closeConnsLocked()
	return nil
}

// Addr returns the broker's address.
func (l *brokerListener) Addr() net.Addr { return l.addr }

func (l *brokerListener) closeConnsLocked() {
	for c := range l.conns {
		c.Conn.Close()
	}
	clear(l.conns)
}

// trackedConn is an accepted connection that leaves its listener's set when
// closed.
type trackedConn struct {
	net.Conn
	l *brokerListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
