package producer

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/kprod-go/kprod/internal/route"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Request sends req to any reachable broker on the producer's control
// connections (the ones metadata requests use, with the configured TLS and
// SASL) and returns its response. It is for the cluster queries librdkafka
// offers on a producer handle (rd_kafka_metadata, offsets by time), which
// package kafka builds on; the producer itself never needs it.
//
// A MetadataResponse also tells the producer where the brokers it lists
// are, so that RequestBroker can reach them. The request's version is
// lowered to what the broker supports. When ctx ends first the error has
// code ErrTimedOut; when no broker can be reached, ErrTransport; after
// Close, ErrDestroy.
func (p *Producer) Request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if p.closed.Load() {
		return nil, newError(ErrDestroy, "producer closed")
	}
	resp, err := p.route.Any(ctx, req)
	if err != nil {
		return nil, requestError(ctx, req, err)
	}
	if m, ok := resp.(*kmsg.MetadataResponse); ok && len(m.Brokers) > 0 {
		brokers := make(map[int32]string, len(m.Brokers))
		for _, b := range m.Brokers {
			brokers[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		}
		p.route.SetBrokers(brokers)
	}
	return resp, nil
}

// RequestBroker is Request to the broker with node id nodeID, as the
// latest metadata lists it: for requests a partition's leader must answer,
// such as ListOffsets. A node id no metadata has listed fails with
// ErrUnknownBroker.
func (p *Producer) RequestBroker(ctx context.Context, nodeID int32, req kmsg.Request) (kmsg.Response, error) {
	if p.closed.Load() {
		return nil, newError(ErrDestroy, "producer closed")
	}
	resp, err := p.route.Broker(ctx, nodeID, req)
	if err != nil {
		return nil, requestError(ctx, req, err)
	}
	return resp, nil
}

// requestError turns the router's error into an Error with librdkafka's
// code for it.
func requestError(ctx context.Context, req kmsg.Request, err error) error {
	name := kmsg.NameForKey(req.Key())
	switch {
	case ctx.Err() != nil:
		return wrapError(ErrTimedOut, err, "%s request: %v", name, err)
	case errors.Is(err, route.ErrUnknownBroker):
		return wrapError(ErrUnknownBroker, err, "%s request: %v", name, err)
	case errors.Is(err, route.ErrClosed):
		return wrapError(ErrDestroy, err, "%s request: %v", name, err)
	case errors.Is(err, route.ErrUnsupported):
		return wrapError(ErrUnsupportedFeature, err, "%s request: %v", name, err)
	}
	return wrapError(ErrTransport, err, "%s request: %v", name, err)
}

// TestFatalError raises a fatal error with code and reason as if the
// producer had found it, as librdkafka's rd_kafka_test_fatal_error, so
// that an application can test how it handles one: the Error event, Produce
// failing with ErrFatal, FatalError returning code. It returns ErrNoError,
// or ErrPrevInProgress when a fatal error was already raised (the first
// one is kept).
func (p *Producer) TestFatalError(code ErrorCode, reason string) ErrorCode {
	if p.fatalErr.Load() != nil {
		return ErrPrevInProgress
	}
	p.snd.RaiseFatal(internalCode(code), "test_fatal_error: "+reason)
	if f := p.fatalErr.Load(); f == nil || f.code != code {
		return ErrPrevInProgress
	}
	return ErrNoError
}
