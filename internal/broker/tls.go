package broker

import (
	"context"
	"crypto/tls"
	"net"

	"github.com/kprod-go/kprod/internal/observe"
	"github.com/kprod-go/kprod/internal/tlsconf"
)

// TLS returns the HandshakeFunc that runs a TLS client handshake on each
// new socket with a clone of base (tlsconf.ForHost): when base names no
// server, the broker's host is used for SNI and, unless base skips
// verification, for checking the broker's certificate
// (ssl.endpoint.identification.algorithm=https).
func TLS(base *tls.Config) HandshakeFunc {
	return func(ctx context.Context, nc net.Conn, node observe.Node) (net.Conn, error) {
		host, _, err := net.SplitHostPort(node.Addr)
		if err != nil {
			host = node.Addr
		}
		tc := tls.Client(nc, tlsconf.ForHost(base, host))
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		return tc, nil
	}
}
