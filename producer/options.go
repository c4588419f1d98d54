package producer

import (
	"context"
	"net"

	"github.com/kprod-go/kprod/partitioner"
)

// Option configures what a ConfigMap cannot carry: Go values such as a
// custom partitioner or a dialer. Pass options to New after the ConfigMap.
type Option func(*options) error

// options holds the typed options; the zero value is the default.
type options struct {
	partitioner partitioner.Partitioner
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
}

// WithPartitioner sets a custom partitioner for every topic, in place of
// the `partitioner` property. As in librdkafka, with
// sticky.partitioning.linger.ms > 0 (the default) messages with a nil key
// take the sticky path and the custom partitioner is not called for them.
func WithPartitioner(p partitioner.Partitioner) Option {
	return func(o *options) error {
		if p == nil {
			return newError(ErrInvalidArg, "WithPartitioner: nil partitioner")
		}
		o.partitioner = p
		return nil
	}
}

// WithDialer sets the function used to open broker connections, in place
// of a net.Dialer: for proxies, custom name resolution, or tests.
func WithDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(o *options) error {
		if dial == nil {
			return newError(ErrInvalidArg, "WithDialer: nil dial function")
		}
		o.dial = dial
		return nil
	}
}

// applyOptions validates and collects opts.
func applyOptions(opts []Option) (options, error) {
	var o options
	for _, opt := range opts {
		if opt == nil {
			return o, newError(ErrInvalidArg, "New: nil Option")
		}
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}
