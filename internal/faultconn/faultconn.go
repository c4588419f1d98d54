// Package faultconn is a connection-level fault layer for tests: a dialer
// whose connections hand each Kafka response frame to a Fault, which may
// pass it, rewrite it, cut it short, replace it with garbage or hang up
// after it. Plug it into a producer with producer.WithDialer(d.Dial).
//
// It understands Kafka framing (a 4-byte length, then the correlation id)
// on both sides of the connection, so a Fault knows which request a
// response answers. It starts no goroutines: faults run on the goroutine
// reading the connection.
//
// It exists because general-purpose fault proxies such as toxiproxy work
// on byte streams (latency, bandwidth, a cut after n bytes) and cannot
// change a correlation id, a length prefix or one response out of many.
package faultconn

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Response is one response frame from the broker and the request it answers.
type Response struct {
	Conn    int    // the connection, numbered from 1 in dial order
	Key     int16  // API key of the request answered; -1 if no request had its correlation id
	Version int16  // version of that request
	CorrID  int32  // correlation id as the broker sent it
	Frame   []byte // the whole frame: length prefix, correlation id, body
}

// Fault decides what the client reads in place of a response frame: out
// (nil for nothing) and whether the broker then hangs up, closing the
// connection. Frame may be modified or returned. A Fault is called from the
// reading goroutine of every connection, so it must be safe for concurrent
// use.
type Fault func(r Response) (out []byte, hangUp bool)

// Pass delivers every response unchanged.
func Pass(r Response) ([]byte, bool) { return r.Frame, false }

// Once applies f to the first response to a request with key, on any
// connection, and passes every other response. Fired reports whether it has.
func Once(key int16, f Fault) (fault Fault, fired func() bool) {
	var done atomic.Bool
	fault = func(r Response) ([]byte, bool) {
		if r.Key != key || !done.CompareAndSwap(false, true) {
			return r.Frame, false
		}
		return f(r)
	}
	return fault, done.Load
}

// Dialer dials TCP connections whose responses go through its Fault. It is
// safe for concurrent use; the zero value passes everything through.
type Dialer struct {
	fault  atomic.Pointer[Fault]
	dials  atomic.Int32
	writes [maxKey]atomic.Int32 // requests written, by API key, on every connection
	d      net.Dialer
}

// maxKey bounds the API keys whose requests are counted.
const maxKey = 128

// SetFault makes f apply to every response read from now on, on every
// connection; nil passes everything.
func (d *Dialer) SetFault(f Fault) {
	if f == nil {
		d.fault.Store(nil)
		return
	}
	d.fault.Store(&f)
}

// Dials returns how many connections have been dialed successfully.
func (d *Dialer) Dials() int { return int(d.dials.Load()) }

// Written returns how many requests with API key have been written so
// far, on every connection: what the client has sent, answered or not.
func (d *Dialer) Written(key int16) int {
	if key < 0 || int(key) >= maxKey {
		return 0
	}
	return int(d.writes[key].Load())
}

// Dial connects to addr, with the signature producer.WithDialer takes.
func (d *Dialer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	nc, err := d.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, d: d, id: int(d.dials.Add(1)), reqs: make(map[int32]reqInfo)}, nil
}

type reqInfo struct{ key, version int16 }

// conn is one faulty connection. Writes are parsed for request headers;
// reads are cut into frames and passed through the dialer's fault.
type conn struct {
	net.Conn
	d  *Dialer
	id int

	// mu guards the following.
	mu   sync.Mutex
	reqs map[int32]reqInfo // requests written, by correlation id, until answered
	wp   requestParser

	// Owned by the goroutine that reads the connection.
	in     []byte // bytes from the broker that do not make a whole frame yet
	out    []byte // what the client reads next
	hungUp bool
}

func (c *conn) Write(p []byte) (int, error) {
	// Record the requests before the broker can see them, so that their
	// responses always find them.
	c.mu.Lock()
	c.wp.feed(p, func(corr int32, key, version int16) {
		c.reqs[corr] = reqInfo{key, version}
		if key >= 0 && int(key) < maxKey {
			c.d.writes[key].Add(1)
		}
	})
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *conn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.hungUp {
			return 0, io.EOF
		}
		if err := c.nextFrame(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// nextFrame reads one whole response frame from the broker and puts what
// the fault makes of it in c.out. Bytes read before an error (a deadline)
// are kept for the next call.
func (c *conn) nextFrame() error {
	var buf [32 << 10]byte
	for {
		if len(c.in) >= 8 {
			size := int64(int32(binary.BigEndian.Uint32(c.in)))
			if size < 4 { // not a frame we can cut: pass the bytes on as they are
				c.out, c.in = c.in, nil
				return nil
			}
			if need := 4 + size; int64(len(c.in)) >= need {
				frame := append([]byte(nil), c.in[:need]...)
				c.in = append(c.in[:0], c.in[need:]...)
				c.apply(frame)
				return nil
			}
		}
		n, err := c.Conn.Read(buf[:])
		c.in = append(c.in, buf[:n]...)
		if err != nil && n == 0 {
			return err
		}
	}
}

func (c *conn) apply(frame []byte) {
	r := Response{Conn: c.id, Key: -1, Version: -1, CorrID: int32(binary.BigEndian.Uint32(frame[4:])), Frame: frame}
	c.mu.Lock()
	if ri, ok := c.reqs[r.CorrID]; ok {
		r.Key, r.Version = ri.key, ri.version
		delete(c.reqs, r.CorrID)
	}
	c.mu.Unlock()
	fault := Pass
	if f := c.d.fault.Load(); f != nil {
		fault = *f
	}
	out, hangUp := fault(r)
	c.out = out
	if hangUp {
		c.hungUp = true
		_ = c.Conn.Close()
	}
}

// requestParser follows the request frames of a byte stream and reports
// each one's correlation id, API key and version.
type requestParser struct {
	hdr  [12]byte // length, key, version, correlation id
	have int      // bytes of hdr filled
	skip int64    // bytes left of the current request's body
}

func (w *requestParser) feed(p []byte, found func(corr int32, key, version int16)) {
	for len(p) > 0 {
		if w.skip > 0 {
			n := min(int64(len(p)), w.skip)
			w.skip -= n
			p = p[n:]
			continue
		}
		n := copy(w.hdr[w.have:], p)
		w.have += n
		p = p[n:]
		if w.have < len(w.hdr) {
			return
		}
		size := int64(int32(binary.BigEndian.Uint32(w.hdr[:4])))
		found(int32(binary.BigEndian.Uint32(w.hdr[8:12])),
			int16(binary.BigEndian.Uint16(w.hdr[4:6])), int16(binary.BigEndian.Uint16(w.hdr[6:8])))
		w.have = 0
		w.skip = max(size-8, 0)
	}
}
