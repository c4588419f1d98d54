package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/kprod-go/kprod/internal/observe"
)

// HandshakeFunc wraps a socket just dialed to node before any Kafka request
// goes over it, and returns what the connection reads and writes from then
// on: for TLS, a tls.Client whose handshake it has run under ctx (which
// carries socket.connection.setup.timeout.ms). It must close nc when it
// fails.
type HandshakeFunc func(ctx context.Context, nc net.Conn, node observe.Node) (net.Conn, error)

// AuthenticateFunc authenticates a connection whose request versions are
// known (Conn.MaxVersion answers), before any other request is sent on it:
// for SASL, SaslHandshake then SaslAuthenticate, sent with Conn.Request
// under ctx. It returns the session lifetime the broker granted
// (SaslAuthenticate v1+, KIP-368), or 0 when the session does not expire.
type AuthenticateFunc func(ctx context.Context, c *Conn) (lifetime time.Duration, err error)

// Connector opens connections to brokers: the one place a connection's
// lifecycle is written, for the sinks' produce connections and the
// router's control connections alike. A connection goes through, in
// librdkafka's order:
//
//  1. dial: Config.Dial, or a net.Dialer with socket.keepalive.enable, on
//     Config.Network; a TCP socket then gets Nagle and buffer sizes;
//  2. TLS: Config.Handshake wraps the socket;
//  3. ApiVersions: which version of each request the broker takes, within
//     Config.ApiVersionsTimeout;
//  4. SASL: Config.Authenticate, with the versions known;
//  5. ready: Observer.OnConnect, and the Conn is returned.
//
// socket.connection.setup.timeout.ms bounds the steps together, as in
// librdkafka. A failure at any step closes the socket.
//
// A failure at any step is a *ConnectError naming the step, reported to
// Config.Failed as well unless the caller gave up.
//
// When Authenticate returns a session lifetime (KIP-368), the connection
// runs Authenticate again before the session ends (see reauthState).
//
// A Connector is safe for concurrent use; it holds no state besides its
// Config.
type Connector struct {
	cfg Config
}

// NewConnector returns a Connector that sets connections up as cfg says.
func NewConnector(cfg Config) *Connector { return &Connector{cfg: cfg} }

// Connect opens a connection to node (ID -1 for a bootstrap server) and
// takes it through every step to ready. It blocks until then, ctx ends, or
// socket.connection.setup.timeout.ms passes.
func (k *Connector) Connect(ctx context.Context, node observe.Node) (*Conn, error) {
	var start time.Time
	if k.cfg.Observer != nil {
		start = time.Now()
	}
	c, err := k.connect(ctx, node)
	if k.cfg.Observer != nil {
		k.cfg.Observer.OnConnect(observe.Connect{Node: node, Took: time.Since(start), Err: err})
	}
	return c, err
}

// connect runs the steps of a connection's setup.
func (k *Connector) connect(ctx context.Context, node observe.Node) (*Conn, error) {
	c, err := k.steps(ctx, node)
	if err != nil && k.cfg.Failed != nil && ctx.Err() != context.Canceled {
		var cerr *ConnectError
		if errors.As(err, &cerr) {
			k.cfg.Failed(cerr)
		}
	}
	return c, err
}

// steps takes a connection through dial, TLS, ApiVersions and SASL.
func (k *Connector) steps(ctx context.Context, node observe.Node) (*Conn, error) {
	cfg := k.cfg
	if cfg.DialTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.DialTimeout)
		defer cancel()
	}
	fail := func(step Step, err error) error {
		if ctx.Err() == context.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (socket.connection.setup.timeout.ms %v passed)", err, cfg.DialTimeout)
		}
		return &ConnectError{Node: node, Step: step, Err: err}
	}
	dial := cfg.Dial
	if dial == nil {
		d := &net.Dialer{KeepAlive: -1}
		if cfg.KeepAlive {
			d.KeepAlive = 0
		}
		dial = d.DialContext
	}
	network := cfg.Network
	if network == "" {
		network = "tcp"
	}
	nc, err := dial(ctx, network, node.Addr)
	if err != nil {
		return nil, fail(StepDial, err)
	}
	if err := cfg.tuneSocket(nc); err != nil {
		nc.Close()
		return nil, fail(StepDial, err)
	}
	if cfg.Handshake != nil {
		if nc, err = cfg.Handshake(ctx, nc, node); err != nil {
			return nil, fail(StepTLS, err)
		}
	}
	c := newConn(nc, node, cfg)
	nctx := ctx
	if cfg.ApiVersionsTimeout > 0 {
		var cancel context.CancelFunc
		nctx, cancel = context.WithTimeout(ctx, cfg.ApiVersionsTimeout)
		defer cancel()
	}
	if err := c.negotiate(nctx); err != nil {
		if ctx.Err() == nil && nctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("%w (api.version.request.timeout.ms %v passed)", err, cfg.ApiVersionsTimeout)
		}
		c.Close(err)
		if cfg.Handshake != nil && isTLSAlert(err) {
			// With TLS 1.3 the broker judges the client's certificate
			// after the client's handshake is done, and tells it in an
			// alert on the first read.
			return nil, fail(StepTLS, err)
		}
		if errors.Is(err, ErrClosed) || errors.Is(err, ErrProtocol) {
			// librdkafka's hint: the usual cause is a plaintext client
			// talking to a TLS listener.
			err = fmt.Errorf("%w; is security.protocol right for this listener (TLS or SASL expected?)", err)
		}
		return nil, fail(StepApiVersions, err)
	}
	if cfg.Authenticate != nil {
		lifetime, err := cfg.Authenticate(ctx, c)
		if err != nil {
			c.Close(err)
			return nil, fail(StepSASL, err)
		}
		c.scheduleReauth(lifetime, cfg.Authenticate)
	}
	if err := c.markReady(); err != nil { // the broker closed it after the last step
		step := StepApiVersions
		if cfg.Authenticate != nil {
			step = StepSASL
		}
		return nil, fail(step, err)
	}
	return c, nil
}

// isTLSAlert reports whether err is an alert the TLS peer sent (crypto/tls
// reports one as a *net.OpError whose Op is "remote error").
func isTLSAlert(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error"
}

// tuneSocket applies the socket options of cfg to a TCP connection just
// dialed; a connection of another kind (a test's pipe, a custom dialer's
// wrapper) is left as it is.
func (cfg Config) tuneSocket(nc net.Conn) error {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	if cfg.Nagle {
		if err := tc.SetNoDelay(false); err != nil {
			return fmt.Errorf("socket.nagle.disable: %w", err)
		}
	}
	if cfg.SendBuffer > 0 {
		if err := tc.SetWriteBuffer(cfg.SendBuffer); err != nil {
			return fmt.Errorf("socket.send.buffer.bytes: %w", err)
		}
	}
	if cfg.ReceiveBuffer > 0 {
		if err := tc.SetReadBuffer(cfg.ReceiveBuffer); err != nil {
			return fmt.Errorf("socket.receive.buffer.bytes: %w", err)
		}
	}
	return nil
}
