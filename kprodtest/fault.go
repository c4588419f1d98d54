package kprodtest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Forever, given as a fault's count, keeps the fault in place until its
// Remove is called.
const Forever = -1

// A Fault is an injected failure: RefuseProduce, DelayProduce,
// DelayRequests or DropProduce. It applies to the next requests it
// matches, as many as its count, and then leaves by itself. Its methods are
// safe for concurrent use.
type Fault struct {
	kf *kfake.FaultHandle // set for RefuseProduce: kfake does the counting

	stop chan struct{} // closed by Remove: wakes delayed requests

	// mu guards the following (faults made with a control function).
	mu      sync.Mutex
	hits    int
	left    int           // requests still to fault; Forever for no limit
	removed bool          // Remove was called
	changed chan struct{} // closed and replaced on each hit
}

func newFault(n int) *Fault {
	return &Fault{stop: make(chan struct{}), left: n, changed: make(chan struct{})}
}

// Hits returns how many requests the fault has applied to so far.
func (f *Fault) Hits() int {
	if f.kf != nil {
		return f.kf.Hits()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

// Wait blocks until the fault has applied to at least n requests, or ctx
// is done, in which case it returns ctx's error.
func (f *Fault) Wait(ctx context.Context, n int) error {
	if f.kf != nil {
		return f.kf.Wait(ctx, n)
	}
	for {
		f.mu.Lock()
		hits, changed := f.hits, f.changed
		f.mu.Unlock()
		if hits >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Remove takes the fault out before its count runs out. Requests a delay
// holds are released at once; a request whose response was dropped stays
// unanswered.
func (f *Fault) Remove() {
	if f.kf != nil {
		f.kf.Remove()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.removed {
		f.removed = true
		close(f.stop)
	}
}

// take counts one request against the fault. ok is false if the fault has
// nothing left; last is true if this request used up its count.
func (f *Fault) take() (ok, last bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removed || f.left == 0 {
		return false, true
	}
	if f.left > 0 {
		f.left--
	}
	f.hits++
	close(f.changed)
	f.changed = make(chan struct{})
	return true, f.left == 0
}

// A FaultOption narrows the requests a fault applies to. Several options
// must all hold.
type FaultOption func(*scope)

// OnTopic applies the fault only to Produce requests that carry topic.
func OnTopic(topic string) FaultOption {
	return func(s *scope) { s.topic = topic }
}

// OnPartition applies the fault only to Produce requests that carry the
// partition of topic. With RefuseProduce, the request's other partitions
// are answered normally. Given several times for one topic, it selects
// each of the partitions.
func OnPartition(topic string, partition int32) FaultOption {
	return func(s *scope) {
		if s.topic != topic {
			s.partitions = nil
		}
		s.topic = topic
		s.partitions = append(s.partitions, partition)
	}
}

// OnBroker applies the fault only to requests sent to the broker with the
// given ID. Given several times, it selects each of the brokers.
func OnBroker(id int32) FaultOption {
	return func(s *scope) { s.brokers = append(s.brokers, id) }
}

// scope is what the FaultOptions select.
type scope struct {
	topic      string
	topicID    [16]byte // topic's ID when the fault was made, for requests that name topics by ID
	partitions []int32
	brokers    []int32
}

func (c *Cluster) scope(opts []FaultOption) *scope {
	s := new(scope)
	for _, o := range opts {
		o(s)
	}
	if s.topic != "" {
		if ti := c.kf.TopicInfo(s.topic); ti != nil {
			s.topicID = ti.TopicID
		}
	}
	return s
}

// matches reports whether a request to node is in the scope. A topic
// selects only Produce requests.
func (s *scope) matches(req kmsg.Request, node int32) bool {
	if len(s.brokers) > 0 && !slices.Contains(s.brokers, node) {
		return false
	}
	if s.topic == "" {
		return true
	}
	pr, ok := req.(*kmsg.ProduceRequest)
	if !ok {
		return false
	}
	for _, t := range pr.Topics {
		if t.Topic != s.topic && (s.topicID == [16]byte{} || t.TopicID != s.topicID) {
			continue
		}
		if len(s.partitions) == 0 {
			return true
		}
		for _, p := range t.Partitions {
			if slices.Contains(s.partitions, p.Partition) {
				return true
			}
		}
	}
	return false
}

func checkCount(what string, n int) {
	if n < 1 && n != Forever {
		panic(fmt.Sprintf("kprodtest: %s: count %d, want a positive count or Forever", what, n))
	}
}

// RefuseProduce answers the next n Produce requests (Forever: until
// Remove) with the Kafka error code, for every partition the request
// carries or only those the options select. The records are not written,
// except with ErrRequestTimedOut and ErrNotEnoughReplicasAfterAppend,
// which a broker returns after appending: the records are written and the
// producer, not knowing it, sends them again (an idempotent producer's
// retry is then recognised as a duplicate).
//
// code must be a broker error code (positive), such as
// producer.ErrNotLeaderForPartition or producer.ErrNotEnoughReplicas;
// RefuseProduce panics on a local (negative) code, which no broker sends.
func (c *Cluster) RefuseProduce(code producer.ErrorCode, n int, opts ...FaultOption) *Fault {
	checkCount("RefuseProduce", n)
	if code <= 0 || code > 1<<15-1 {
		panic(fmt.Sprintf("kprodtest: RefuseProduce: %v (%d) is not a broker error code", code, int32(code)))
	}
	ke, _ := kerr.ErrorForCode(int16(code)).(*kerr.Error)
	if ke == nil || ke == kerr.UnknownServerError {
		ke = &kerr.Error{Message: code.Name(), Code: int16(code), Retriable: code.IsRetriable()}
	}
	s := c.scope(opts)
	f := newFault(n)
	f.kf = c.kf.Fault(kfake.Fault{
		Keys:       []kmsg.Key{kmsg.Produce},
		Nodes:      s.brokers,
		Topic:      s.topic,
		Partitions: s.partitions,
		Err:        ke,
		Count:      n,
	})
	return f
}

// DelayProduce holds each of the next n Produce requests (Forever: until
// Remove) for d before the broker handles it. Requests behind a held one
// on the same connection wait too, as on a slow broker; other connections
// go on.
func (c *Cluster) DelayProduce(d time.Duration, n int, opts ...FaultOption) *Fault {
	checkCount("DelayProduce", n)
	return c.delay(kmsg.Produce.Int16(), d, n, c.scope(opts))
}

// DelayRequests holds each of the next n requests of any kind (Forever:
// until Remove) for d before the broker handles it: metadata, produce,
// transactions. OnBroker narrows it to brokers; OnTopic and OnPartition to
// Produce requests.
func (c *Cluster) DelayRequests(d time.Duration, n int, opts ...FaultOption) *Fault {
	checkCount("DelayRequests", n)
	return c.delay(-1, d, n, c.scope(opts))
}

func (c *Cluster) delay(key int16, d time.Duration, n int, s *scope) *Fault {
	f := newFault(n)
	c.kf.ControlKey(key, func(req kmsg.Request) (kmsg.Response, error, bool) {
		if !s.matches(req, c.kf.CurrentNode()) {
			return nil, nil, false
		}
		ok, last := f.take()
		if ok {
			c.logf(slog.LevelInfo, "request delayed", "broker", c.kf.CurrentNode(), "key", kmsg.NameForKey(req.Key()), "delay", d)
			c.kf.SleepControl(func() {
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
				case <-f.stop:
				case <-c.closing:
				}
			})
		}
		if last {
			c.kf.DropControl()
		}
		return nil, nil, false // the broker handles the request as usual
	})
	return f
}

// DropProduce leaves the next n Produce requests (Forever: until Remove)
// unanswered, as a broker that hangs: the request is not handled, nothing
// is written, and the connection answers nothing more. The producer gives
// up on the request after socket.timeout.ms, closes the connection and
// retries on a new one.
func (c *Cluster) DropProduce(n int, opts ...FaultOption) *Fault {
	checkCount("DropProduce", n)
	s := c.scope(opts)
	f := newFault(n)
	c.kf.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if !s.matches(req, c.kf.CurrentNode()) {
			return nil, nil, false
		}
		ok, last := f.take()
		if !ok {
			c.kf.DropControl()
			return nil, nil, false
		}
		if !last {
			c.kf.KeepControl()
		}
		c.logf(slog.LevelInfo, "Produce request dropped", "broker", c.kf.CurrentNode())
		return nil, nil, true // handled, with no response
	})
	return f
}
