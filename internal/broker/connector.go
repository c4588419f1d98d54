package broker

import (
	"context"
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
//  1. dial: Config.Dial, or a net.Dialer with socket.keepalive.enable;
//  2. TLS: Config.Handshake wraps the socket;
//  3. ApiVersions: which version of each request the broker takes;
//  4. SASL: Config.Authenticate, with the versions known;
//  5. ready: Observer.OnConnect, and the Conn is returned.
//
// socket.connection.setup.timeout.ms bounds the steps together, as in
// librdkafka. A failure at any step closes the socket and returns an error
// naming the step and the address.
//
// Re-authentication (KIP-368) belongs here too: when Authenticate returns
// a lifetime, the Connector is where the connection will be set to run
// Authenticate again before the session ends, holding new requests back
// meanwhile, as librdkafka's REAUTH state does. No step does so yet: the
// lifetime is not used until kprod speaks SASL.
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
	cfg := k.cfg
	if cfg.DialTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.DialTimeout)
		defer cancel()
	}
	dial := cfg.Dial
	if dial == nil {
		d := &net.Dialer{KeepAlive: -1}
		if cfg.KeepAlive {
			d.KeepAlive = 0
		}
		dial = d.DialContext
	}
	nc, err := dial(ctx, "tcp", node.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", node.Addr, err)
	}
	if cfg.Handshake != nil {
		if nc, err = cfg.Handshake(ctx, nc, node); err != nil {
			return nil, fmt.Errorf("TLS handshake with %s: %w", node.Addr, err)
		}
	}
	c := newConn(nc, node, cfg)
	if err := c.negotiate(ctx); err != nil {
		c.Close(err)
		return nil, fmt.Errorf("api versions with %s: %w", node.Addr, err)
	}
	if cfg.Authenticate != nil {
		if _, err := cfg.Authenticate(ctx, c); err != nil {
			c.Close(err)
			return nil, fmt.Errorf("authentication with %s: %w", node.Addr, err)
		}
	}
	if err := c.markReady(); err != nil {
		return nil, fmt.Errorf("connection to %s: %w", node.Addr, err)
	}
	return c, nil
}
