package route

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Coordinator types, as FindCoordinator names them.
const (
	GroupCoordinator       int8 = 0 // a consumer group's: TxnOffsetCommit
	TransactionCoordinator int8 = 1 // a transactional id's: InitProducerId, AddPartitionsToTxn, EndTxn
)

// coordKey is what a coordinator is cached by.
type coordKey struct {
	typ int8
	key string
}

// Coordinator sends req to the coordinator of key (a group or a
// transactional id, after typ), which it finds with FindCoordinator sent
// to any broker and caches. The cache entry is dropped when the request
// fails or its answer says NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE,
// or when the coordinator moves to another address: the caller's next
// call asks again. Coordinator does not retry: whether a request may be
// sent twice is the caller's to decide.
//
// When FindCoordinator itself fails with an error code, the error wraps
// the code's *kerr.Error.
func (r *Router) Coordinator(ctx context.Context, key string, typ int8, req kmsg.Request) (kmsg.Response, error) {
	k := coordKey{typ: typ, key: key}
	node, err := r.coordinator(ctx, k)
	if err != nil {
		return nil, err
	}
	resp, err := r.send(ctx, node, req)
	if err != nil || coordinatorMoved(resp) {
		r.forget(k, node)
	}
	return resp, err
}

// coordinator returns the cached coordinator of k, or finds it.
func (r *Router) coordinator(ctx context.Context, k coordKey) (observe.Node, error) {
	r.mu.Lock()
	node, ok := r.coords[k]
	r.mu.Unlock()
	if ok {
		return node, nil
	}
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.Version = broker.MaxFindCoordinatorVersion
	req.CoordinatorKey = k.key
	req.CoordinatorType = k.typ
	kresp, err := r.Any(ctx, req)
	if err != nil {
		return observe.Node{}, fmt.Errorf("finding the coordinator of %q: %w", k.key, err)
	}
	resp := kresp.(*kmsg.FindCoordinatorResponse)
	if resp.Version == 0 && k.typ != GroupCoordinator {
		return observe.Node{}, fmt.Errorf("%w: finding the coordinator of %q needs FindCoordinator v1", ErrUnsupported, k.key)
	}
	if resp.ErrorCode != 0 {
		return observe.Node{}, fmt.Errorf("finding the coordinator of %q: %w", k.key, kerr.ErrorForCode(resp.ErrorCode))
	}
	if resp.Port <= 0 || resp.Port > 65535 || resp.Host == "" {
		return observe.Node{}, fmt.Errorf("%w: FindCoordinator for %q answered broker %d at invalid address %q:%d",
			broker.ErrProtocol, k.key, resp.NodeID, resp.Host, resp.Port)
	}
	node = observe.Node{ID: resp.NodeID, Addr: net.JoinHostPort(resp.Host, strconv.Itoa(int(resp.Port)))}
	r.mu.Lock()
	if !r.closed {
		r.coords[k] = node
	}
	r.mu.Unlock()
	return node, nil
}

// forget drops k's cached coordinator if it is still node.
func (r *Router) forget(k coordKey, node observe.Node) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.coords[k] == node {
		delete(r.coords, k)
	}
}

// coordinatorMoved reports whether a coordinator's answer says it is not
// (or not yet) the coordinator, for the requests a producer sends to one.
func coordinatorMoved(resp kmsg.Response) bool {
	moved := func(code int16) bool {
		c := errcode.Code(code)
		return c == errcode.NotCoordinator || c == errcode.CoordinatorNotAvailable
	}
	switch resp := resp.(type) {
	case *kmsg.InitProducerIDResponse:
		return moved(resp.ErrorCode)
	case *kmsg.AddOffsetsToTxnResponse:
		return moved(resp.ErrorCode)
	case *kmsg.EndTxnResponse:
		return moved(resp.ErrorCode)
	case *kmsg.AddPartitionsToTxnResponse:
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if moved(p.ErrorCode) {
					return true
				}
			}
		}
	case *kmsg.TxnOffsetCommitResponse:
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if moved(p.ErrorCode) {
					return true
				}
			}
		}
	case *kmsg.HeartbeatResponse:
		return moved(resp.ErrorCode)
	case *kmsg.OffsetFetchResponse:
		return moved(resp.ErrorCode)
	case *kmsg.DescribeGroupsResponse:
		for _, g := range resp.Groups {
			if moved(g.ErrorCode) {
				return true
			}
		}
	}
	return false
}
