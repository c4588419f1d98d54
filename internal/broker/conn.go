package broker

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config is how a connection is made and how long a request may take.
type Config struct {
	ClientID       string
	SoftwareName   string        // sent in ApiVersions v3+
	SoftwareVer    string        // sent in ApiVersions v3+
	RequestTimeout time.Duration // socket.timeout.ms: longest wait for one response
	DialTimeout    time.Duration // socket.connection.setup.timeout.ms: dial, TLS, ApiVersions and SASL together
	KeepAlive      bool          // socket.keepalive.enable
	MaxResponse    int           // receive.message.max.bytes; 0 means librdkafka's default, 100000000
	// Network is the network a broker's address is dialed on:
	// broker.address.family any, v4 or v6 as "tcp", "tcp4" or "tcp6".
	// Empty means "tcp".
	Network string
	// Nagle leaves Nagle's algorithm on (socket.nagle.disable=false); Go
	// turns it off on every TCP connection.
	Nagle bool
	// SendBuffer and ReceiveBuffer size the socket's buffers
	// (socket.send.buffer.bytes, socket.receive.buffer.bytes); 0 leaves
	// the system's sizes.
	SendBuffer, ReceiveBuffer int
	// ApiVersionsTimeout bounds the ApiVersions exchange of a new
	// connection (api.version.request.timeout.ms); 0: only DialTimeout does.
	ApiVersionsTimeout time.Duration
	// IdleTimeout closes a connection, with ErrIdle, once nothing was
	// written to it or read from it for that long and no request waits
	// (connections.max.idle.ms); 0 never does.
	IdleTimeout time.Duration
	// Dial overrides net.Dialer; tests use it to interpose on connections.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Handshake, when set, wraps a socket just dialed before any Kafka
	// request goes over it: the TLS step (see Connector).
	Handshake HandshakeFunc
	// Authenticate, when set, authenticates a connection once its request
	// versions are known: the SASL step (see Connector).
	Authenticate AuthenticateFunc
	// Observer, when set, is told of every connection's lifecycle and
	// requests. Nil costs nothing.
	Observer observe.Observer
	// Failed, when set, is told of every connection that could not be set
	// up and every re-authentication that failed, except when the caller
	// cancelled the setup's context (a deadline passing is told). It must
	// not block.
	Failed func(*ConnectError)
}

// Done is called exactly once per request sent: with the decoded response,
// or with a nil response and an error (ErrTimeout, ErrClosed, ErrProtocol or
// a wrapped I/O error). It runs on the connection's reader goroutine, or on
// the goroutine that closed the connection, and must not block.
type Done func(kmsg.Response, error)

// pending is a request written to the socket and waiting for its response.
type pending struct {
	corr     int32
	req      kmsg.Request
	deadline time.Time // zero: no deadline
	done     Done
	// With an observer only: when the write began and when it ended (zero
	// until then), for the request's round-trip time.
	began, written time.Time
}

// Conn is one connection to a broker. Send may be called from any goroutine;
// responses are matched to requests by correlation id in send order, as
// Kafka answers requests on a connection in the order it received them.
//
// A Conn owns its reader goroutine, which exits when the connection
// closes, and, while one runs, a re-authentication goroutine (see
// reauthState), which closing ends; Close waits for both.
type Conn struct {
	addr     string
	node     observe.Node
	cfg      Config
	obs      observe.Observer // cfg.Observer; nil: nothing is reported
	nc       net.Conn
	versions [kmsg.MaxKey + 1]int16 // set during Connect, read-only afterwards; -1 = unsupported

	throttle throttle // the broker's last KIP-219 throttle; written by the reader

	readerDone chan struct{}      // closed when the reader goroutine has exited
	ctx        context.Context    // ends when the connection closes: bounds a re-authentication
	cancel     context.CancelFunc // called by closeWith

	// writeMu serializes writes so that requests reach the socket in
	// correlation-id order. It is taken before mu when both are needed.
	writeMu   sync.Mutex
	wbuf      []byte      // guarded by writeMu: reused framing buffer
	pieces    []Piece     // guarded by writeMu: a Segmented request's pieces
	bufs      net.Buffers // guarded by writeMu: what one writev writes
	formatter *kmsg.RequestFormatter
	holding   bool // guarded by writeMu: a re-authentication holds other requests back

	// mu guards the following.
	mu       sync.Mutex
	corr     int32
	queue    []pending // in send order
	closed   bool
	closeErr error
	ready    bool // the Connector finished setting it up: its end is a disconnect
	byOwner  bool // it was closed by Close or Abort, not by a failure it met
	reauth   reauthState
	// With Config.IdleTimeout only: when a request was last written or a
	// response last read, and the timer that closes the connection once
	// that is IdleTimeout ago.
	lastActive time.Time
	idleTimer  *time.Timer
}

// newConn wraps a socket set up by a Connector and starts its reader. Only
// ApiVersions may be sent until negotiate has run.
func newConn(nc net.Conn, node observe.Node, cfg Config) *Conn {
	c := &Conn{
		addr:       node.Addr,
		node:       node,
		cfg:        cfg,
		obs:        cfg.Observer,
		nc:         nc,
		readerDone: make(chan struct{}),
		formatter:  kmsg.NewRequestFormatter(kmsg.FormatterClientID(cfg.ClientID)),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for i := range c.versions {
		c.versions[i] = -1
	}
	c.versions[kmsg.ApiVersions] = MaxApiVersionsVersion
	go c.readLoop()
	return c
}

// markReady records that the connection is set up, so that its end is
// reported as a disconnect. It fails if the connection already closed.
func (c *Conn) markReady() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.closeErr
	}
	c.ready = true
	if c.cfg.IdleTimeout > 0 {
		c.lastActive = time.Now()
		c.idleTimer = time.AfterFunc(c.cfg.IdleTimeout, c.closeIfIdle)
	}
	return nil
}

// closeIfIdle closes the connection with ErrIdle if it has been idle for
// Config.IdleTimeout, or checks again when it would be. It holds writeMu,
// so that no request is being written while it decides.
func (c *Conn) closeIfIdle() {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	idle := time.Since(c.lastActive)
	if busy := len(c.queue) > 0 || c.holding || c.reauth.running != nil; busy || idle < c.cfg.IdleTimeout {
		wait := c.cfg.IdleTimeout - idle
		if busy {
			wait = c.cfg.IdleTimeout
		}
		c.idleTimer.Reset(wait)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.closeWith(fmt.Errorf("%w (%v, connections.max.idle.ms)", ErrIdle, c.cfg.IdleTimeout))
}

// negotiate asks the broker which request versions it supports, falling back
// to ApiVersions v0 for brokers that do not know v2. It uses v2, not the
// flexible v3: see the package doc.
func (c *Conn) negotiate(ctx context.Context) error {
	for _, v := range []int16{MaxApiVersionsVersion, 0} {
		req := kmsg.NewPtrApiVersionsRequest()
		req.Version = v
		req.ClientSoftwareName = c.cfg.SoftwareName
		req.ClientSoftwareVersion = c.cfg.SoftwareVer
		kresp, _, err := c.Request(ctx, req)
		if err != nil {
			return err
		}
		resp := kresp.(*kmsg.ApiVersionsResponse)
		if errcode.Code(resp.ErrorCode) == errcode.UnsupportedVersion && v > 0 { // retry with v0
			continue
		}
		if resp.ErrorCode != 0 {
			return fmt.Errorf("%w: ApiVersions error code %d", ErrProtocol, resp.ErrorCode)
		}
		c.mu.Lock()
		for i := range c.versions {
			c.versions[i] = -1
		}
		for _, k := range resp.ApiKeys {
			if k.ApiKey >= 0 && int(k.ApiKey) < len(c.versions) {
				c.versions[k.ApiKey] = k.MaxVersion
			}
		}
		c.mu.Unlock()
		return nil
	}
	return fmt.Errorf("%w: no ApiVersions version accepted", ErrProtocol)
}

// Addr returns the address the connection was dialed to.
func (c *Conn) Addr() string { return c.addr }

// Node returns the broker the connection goes to, as the Connector was
// asked for it (node id -1 for a bootstrap server).
func (c *Conn) Node() observe.Node { return c.node }

// MaxVersion returns the highest version of the request with key that the
// broker supports, or -1 if it supports none.
func (c *Conn) MaxVersion(key int16) int16 {
	if key < 0 || int(key) >= len(c.versions) {
		return -1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.versions[key]
}

// InFlight returns how many requests are waiting for a response, counting
// those held back while the connection re-authenticates.
func (c *Conn) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue) + len(c.reauth.held) + c.reauth.releasing
}

// Done returns a channel closed once the connection is closed and its reader
// has exited.
func (c *Conn) Done() <-chan struct{} { return c.readerDone }

// Err returns why the connection closed, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// Send writes req and arranges for done to be called with its response. A
// request that expects no response (a Produce with acks=0) gets done(nil,
// nil) once written. Send returns an error, without calling done, only when
// the request could not be written; the connection is then closed.
func (c *Conn) Send(req kmsg.Request, done Done) error {
	return c.SendDeadline(req, time.Time{}, done)
}

// SendDeadline is Send with a deadline for the response, which applies when
// it comes before the connection's request timeout. A response still missing
// at its deadline closes the connection, failing every waiting request with
// ErrTimeout, since the stream can no longer be matched up.
//
// While the connection re-authenticates (KIP-368), the request is held and
// written once that is done, in the order sent; it counts in InFlight
// meanwhile.
func (c *Conn) SendDeadline(req kmsg.Request, deadline time.Time, done Done) error {
	return c.send(req, deadline, done, false)
}

// send is SendDeadline; auth marks a request of the SASL exchange, which
// goes out even while other requests are held for it.
func (c *Conn) send(req kmsg.Request, deadline time.Time, done Done, auth bool) error {
	var asked time.Time // with an observer only
	if c.obs != nil {
		asked = time.Now()
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.holding && !auth {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			return c.closeErr
		}
		c.reauth.held = append(c.reauth.held, heldRequest{req: req, deadline: deadline, done: done, asked: asked})
		return nil
	}
	return c.writeLocked(req, deadline, done, asked)
}

// writeLocked writes req to the socket and queues it for its response.
// c.writeMu must be held. It returns an error, without calling done, only
// when the connection was already closed or req expects no response and
// could not be written.
func (c *Conn) writeLocked(req kmsg.Request, deadline time.Time, done Done, asked time.Time) error {
	var began time.Time // with an observer only
	if c.obs != nil {
		began = time.Now()
	}
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		return err
	}
	c.corr++
	corr := c.corr
	noResp := isNoResponse(req)
	if !noResp {
		if c.cfg.RequestTimeout > 0 {
			if d := time.Now().Add(c.cfg.RequestTimeout); deadline.IsZero() || d.Before(deadline) {
				deadline = d
			}
		}
		c.queue = append(c.queue, pending{corr: corr, req: req, deadline: deadline, done: done, began: began})
		c.armDeadlineLocked()
	}
	if c.idleTimer != nil {
		c.lastActive = time.Now()
	}
	c.mu.Unlock()

	if c.cfg.RequestTimeout > 0 {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.cfg.RequestTimeout))
	}
	var err error
	var n int64
	if sr, ok := req.(Segmented); ok {
		c.wbuf = c.formatter.AppendRequest(c.wbuf[:0], framingOnly{sr, &c.pieces}, corr)
		c.bufs = segments(c.wbuf, c.pieces, c.bufs[:0])
		bufs := c.bufs // WriteTo consumes its receiver
		n, err = bufs.WriteTo(c.nc)
		clear(c.bufs) // do not pin the pieces
		clear(c.pieces)
	} else {
		c.wbuf = c.formatter.AppendRequest(c.wbuf[:0], req, corr)
		var w int
		w, err = c.nc.Write(c.wbuf)
		n = int64(w)
	}
	if cap(c.wbuf) > 4<<20 {
		c.wbuf = nil // do not pin a buffer for one huge request
	}
	if c.obs != nil {
		c.written(req, corr, int(n), noResp, asked, began, err)
	}
	if err != nil {
		err = fmt.Errorf("write to %s: %w", c.addr, err)
		// Not Close: a re-authentication writing its held requests must
		// not wait for itself.
		c.closeWith(err)
		<-c.readerDone
		if !noResp {
			return nil // the request was in the queue: closing failed it through done
		}
		return err
	}
	if noResp {
		done(nil, nil)
	}
	return nil
}

// NoResponder is a request that can tell whether the broker will answer
// it: a Produce request of the caller's own type with acks=0 does not.
type NoResponder interface {
	NoResponse() bool
}

// isNoResponse reports whether the broker will not answer req.
func isNoResponse(req kmsg.Request) bool {
	if nr, ok := req.(NoResponder); ok {
		return nr.NoResponse()
	}
	p, ok := req.(*kmsg.ProduceRequest)
	return ok && p.Acks == 0
}

// Request sends req and waits for its response or for ctx to end. It is for
// the few synchronous requests (ApiVersions, and the router's control
// requests); the produce path uses Send. sent reports whether the request
// may have reached the broker: false when it was refused before writing.
func (c *Conn) Request(ctx context.Context, req kmsg.Request) (resp kmsg.Response, sent bool, err error) {
	return c.request(ctx, req, false)
}

// request is Request; auth marks a request of the SASL exchange (see send).
func (c *Conn) request(ctx context.Context, req kmsg.Request, auth bool) (resp kmsg.Response, sent bool, err error) {
	type result struct {
		resp kmsg.Response
		err  error
	}
	ch := make(chan result, 1)
	if err := c.send(req, time.Time{}, func(r kmsg.Response, err error) { ch <- result{r, err} }, auth); err != nil {
		return nil, false, err
	}
	select {
	case r := <-ch:
		return r.resp, true, r.err
	case <-ctx.Done():
		select {
		case r := <-ch: // the connection closed: its reason, not the context's
			return r.resp, true, r.err
		default:
		}
		return nil, true, ctx.Err()
	}
}

// Close closes the connection with err as the reason (nil means ErrClosed)
// and fails every request still waiting for a response with it (a request
// held back by a re-authentication fails with ErrNotSent). It waits for
// the reader goroutine, and for a re-authentication under way, which the
// close ends: call Abort instead from a Done callback.
func (c *Conn) Close(err error) {
	c.markOwnerClose()
	c.closeWith(err)
	<-c.readerDone
	c.mu.Lock()
	running := c.reauth.running
	c.mu.Unlock()
	if running != nil {
		<-running // its requests have failed: it is ending
	}
}

// Abort closes the connection with err without waiting for its reader:
// for a Done callback (which runs on the reader) that finds the stream
// cannot be trusted. Requests still waiting fail with err, from this call.
func (c *Conn) Abort(err error) {
	c.markOwnerClose()
	c.closeWith(err)
}

// markOwnerClose records that the connection's owner closes it, unless it
// is closed already.
func (c *Conn) markOwnerClose() {
	c.mu.Lock()
	if !c.closed {
		c.byOwner = true
	}
	c.mu.Unlock()
}

// closeWith marks the connection closed, closes the socket and fails the
// queued requests. It is safe to call more than once and from the reader.
func (c *Conn) closeWith(err error) {
	if err == nil {
		err = ErrClosed
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.closeErr = err
	queue := c.queue
	c.queue = nil
	held := c.reauth.held
	c.reauth.held = nil
	if c.reauth.timer != nil {
		c.reauth.timer.Stop()
	}
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
	ready := c.ready
	c.mu.Unlock()
	_ = c.nc.Close()
	for _, p := range queue {
		if c.obs != nil {
			c.unanswered(p, err)
		}
		p.done(nil, err)
	}
	for _, h := range held {
		h.done(nil, notSent(err))
	}
	c.cancel() // after the requests failed, so that a waiting Request sees why
	if c.obs != nil && ready {
		c.obs.OnDisconnect(observe.Disconnect{Node: c.node, Err: err})
	}
}

// armDeadlineLocked sets the read deadline to the earliest deadline of the
// waiting requests, or clears it when none has one. c.mu must be held.
func (c *Conn) armDeadlineLocked() {
	var earliest time.Time
	for i := range c.queue {
		if d := c.queue[i].deadline; !d.IsZero() && (earliest.IsZero() || d.Before(earliest)) {
			earliest = d
		}
	}
	_ = c.nc.SetReadDeadline(earliest)
}

// readLoop reads responses until the connection fails or is closed.
func (c *Conn) readLoop() {
	defer close(c.readerDone)
	br := bufio.NewReaderSize(c.nc, 64<<10)
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			c.closeWith(c.readErr(err))
			return
		}
		size := int32(binary.BigEndian.Uint32(hdr[:4]))
		corr := int32(binary.BigEndian.Uint32(hdr[4:]))
		if maxResp := c.maxResponse(); size < 4 || int64(size) > int64(maxResp) {
			c.closeWith(fmt.Errorf("%w: invalid response size %d from %s (receive.message.max.bytes %d)", ErrProtocol, size, c.addr, maxResp))
			return
		}
		body := make([]byte, size-4)
		if _, err := io.ReadFull(br, body); err != nil {
			c.closeWith(c.readErr(err))
			return
		}
		c.mu.Lock()
		if len(c.queue) == 0 || c.queue[0].corr != corr {
			c.mu.Unlock()
			c.closeWith(fmt.Errorf("%w: unexpected correlation id %d from %s", ErrProtocol, corr, c.addr))
			return
		}
		p := c.queue[0]
		c.queue[0] = pending{}
		c.queue = c.queue[1:]
		c.armDeadlineLocked()
		if c.idleTimer != nil {
			c.lastActive = time.Now()
		}
		if len(c.queue) == 0 && c.reauth.idle != nil {
			close(c.reauth.idle)
			c.reauth.idle = nil
		}
		c.mu.Unlock()

		resp, err := decode(p.req, body)
		if err != nil {
			err = fmt.Errorf("%w: undecodable %s response from %s: %v", ErrProtocol, kmsg.NameForKey(p.req.Key()), c.addr, err)
			if c.obs != nil {
				c.read(p, int(size)+4, nil, err)
			}
			p.done(nil, err)
			c.closeWith(err) // the stream can no longer be trusted: fail the rest the same way
			return
		}
		c.throttle.note(resp)
		if c.obs != nil {
			c.read(p, int(size)+4, resp, nil)
		}
		p.done(resp, nil)
	}
}

// maxResponse is the largest response accepted.
func (c *Conn) maxResponse() int {
	if c.cfg.MaxResponse > 0 {
		return c.cfg.MaxResponse
	}
	return 100_000_000
}

// readErr turns a read failure into the error requests complete with.
func (c *Conn) readErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w waiting for %s (socket.timeout.ms %v, or the message timeout)", ErrTimeout, c.addr, c.cfg.RequestTimeout)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s closed the connection", ErrClosed, c.addr)
	}
	return fmt.Errorf("read from %s: %w", c.addr, err)
}

// decode parses a response body (after the correlation id) for req.
func decode(req kmsg.Request, body []byte) (resp kmsg.Response, err error) {
	defer func() {
		if r := recover(); r != nil { // kmsg does not panic on short input, but a decoder bug must not kill the client
			resp, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	// Flexible responses carry a tagged-field header, except ApiVersions,
	// which always uses header v0 so that any client can read it.
	if req.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		body, err = skipTags(body)
		if err != nil {
			return nil, err
		}
	}
	resp = req.ResponseKind()
	if err := resp.ReadFrom(body); err != nil {
		return nil, err
	}
	return resp, nil
}

// skipTags skips a tagged-field section: a count, then (tag, size, data).
func skipTags(b []byte) ([]byte, error) {
	n, b, err := uvarint(b)
	if err != nil {
		return nil, err
	}
	for ; n > 0; n-- {
		if _, b, err = uvarint(b); err != nil {
			return nil, err
		}
		var size uint64
		if size, b, err = uvarint(b); err != nil {
			return nil, err
		}
		if uint64(len(b)) < size {
			return nil, errors.New("truncated tagged field")
		}
		b = b[size:]
	}
	return b, nil
}

func uvarint(b []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, errors.New("bad varint")
	}
	return v, b[n:], nil
}
