package broker

import (
	"context"
	"crypto/tls"
	"net"

	"github.com/kprod-go/kprod/internal/observe"
)

// TLS returns the HandshakeFunc that runs a TLS client handshake with base
// on each new socket. When base names no server, the broker's host is used
// for SNI and, unless base skips verification, for checking the broker's
// certificate (ssl.endpoint.identification.algorithm=https).
func TLS(base *tls.Config) HandshakeFunc {
	return func(ctx context.Context, nc net.Conn, node observe.Node) (net.Conn, error) {
		cfg := base
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(node.Addr)
			if err != nil {
				host = node.Addr
			}
			cfg = base.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		return tc, nil
	}
}
