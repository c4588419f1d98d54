// Package stats gathers what librdkafka's statistics report about
// connections, requests and batches: a Collector listens on the
// internal/observe seam, and Window is the fixed-memory histogram behind
// every latency and size window. The producer adds what only it knows
// (queues, partitions, the producer id) when it emits.
package stats

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
)

// Collector is an observe.Observer that counts, per broker and per topic
// partition, what librdkafka's statistics count, and keeps the windows
// until the next Snapshot. It is safe for concurrent use; each event takes
// one short lock and allocates only the first time a broker, topic or
// partition is seen.
type Collector struct {
	observe.Nop
	now func() time.Time // the wall clock; its monotonic reading is used

	// mu guards the following.
	mu      sync.Mutex
	brokers map[brokerKey]*brokerState
	topics  map[string]*topicState
}

// brokerKey names a broker as librdkafka does: by node id once known, by
// address while it is a bootstrap server (ID -1).
type brokerKey struct {
	id   int32
	addr string // only for bootstrap servers
}

type brokerState struct {
	node       observe.Node
	open       int       // connections ready now
	stateSince time.Time // when open last went to or from 0
	Counters
	lastTx, lastRx time.Time
	intLatency     Window // µs
	outbufLatency  Window // µs
	rtt            Window // µs
	throttle       Window // ms
}

type topicState struct {
	batchSize Window // bytes
	batchCnt  Window // messages
	parts     map[int32]*PartitionCounters
}

// Counters are a broker's monotonic counters, librdkafka's names in
// comments.
type Counters struct {
	Tx, TxBytes, TxErrs, TxRetries int64 // tx, txbytes, txerrs, txretries
	ReqTimeouts                    int64 // req_timeouts
	Rx, RxBytes, RxErrs            int64 // rx, rxbytes, rxerrs
	Connects, Disconnects          int64 // connects, disconnects
	WaitResp                       int64 // waitresp_cnt: requests written, not yet answered (a gauge)
	Req                            map[int16]int64
}

// PartitionCounters are a partition's monotonic counters: messages and
// bytes the broker acknowledged (txmsgs, txbytes).
type PartitionCounters struct {
	TxMsgs, TxBytes int64
}

// NewCollector returns an empty collector reading time from now
// (time.Now when nil).
func NewCollector(now func() time.Time) *Collector {
	if now == nil {
		now = time.Now
	}
	return &Collector{now: now, brokers: make(map[brokerKey]*brokerState), topics: make(map[string]*topicState)}
}

func keyOf(n observe.Node) brokerKey {
	if n.ID < 0 {
		return brokerKey{id: -1, addr: n.Addr}
	}
	return brokerKey{id: n.ID}
}

// brokerLocked returns n's state, creating it.
func (c *Collector) brokerLocked(n observe.Node) *brokerState {
	k := keyOf(n)
	b := c.brokers[k]
	if b == nil {
		b = &brokerState{node: n, stateSince: c.now()}
		b.Req = make(map[int16]int64)
		c.brokers[k] = b
	}
	if n.Addr != "" {
		b.node.Addr = n.Addr
	}
	return b
}

// OnConnect counts a connection made ready.
func (c *Collector) OnConnect(e observe.Connect) {
	if e.Err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.brokerLocked(e.Node)
	b.Connects++
	if b.open == 0 {
		b.stateSince = c.now()
	}
	b.open++
}

// OnDisconnect counts a ready connection closed.
func (c *Collector) OnDisconnect(e observe.Disconnect) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.brokerLocked(e.Node)
	b.Disconnects++
	if b.open > 0 {
		b.open--
		if b.open == 0 {
			b.stateSince = c.now()
		}
	}
}

// OnRequestWritten counts a request and its bytes, or a failed write.
func (c *Collector) OnRequestWritten(e observe.RequestWritten) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.brokerLocked(e.Node)
	if !e.NoResponse {
		// Its OnResponseRead comes even when the write failed, and may
		// come first: the count may dip below zero for that moment.
		b.WaitResp++
	}
	if e.Err != nil {
		b.TxErrs++
		return
	}
	b.Tx++
	b.TxBytes += int64(e.Bytes)
	b.Req[e.Key]++
	b.lastTx = c.now()
	b.outbufLatency.Add(e.Wait.Microseconds())
}

// OnResponseRead counts a response, or a request that got none.
func (c *Collector) OnResponseRead(e observe.ResponseRead) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.brokerLocked(e.Node)
	b.WaitResp--
	switch {
	case e.Err == nil:
		b.Rx++
		b.RxBytes += int64(e.Bytes)
		b.lastRx = c.now()
		b.rtt.Add(e.RTT.Microseconds())
	case errors.Is(e.Err, broker.ErrTimeout):
		b.ReqTimeouts++
	case errors.Is(e.Err, broker.ErrClosed):
		// the connection ended; its disconnect is counted
	default:
		b.RxErrs++
	}
}

// OnThrottle adds the throttle time, in milliseconds, to the window.
func (c *Collector) OnThrottle(e observe.Throttle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.brokerLocked(e.Node).throttle.Add(e.Time.Milliseconds())
}

// OnBatchWritten counts the batch for its partition, its topic's windows
// and its leader's int_latency and txretries.
func (c *Collector) OnBatchWritten(e observe.BatchWritten) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.brokerLocked(e.Node)
	b.TxRetries += int64(e.Retries)
	b.intLatency.Add(e.Queued.Microseconds())
	t := c.topics[e.Topic]
	if t == nil {
		t = &topicState{parts: make(map[int32]*PartitionCounters)}
		c.topics[e.Topic] = t
	}
	t.batchSize.Add(int64(e.WireBytes))
	t.batchCnt.Add(int64(e.Records))
	p := t.parts[e.Partition]
	if p == nil {
		p = new(PartitionCounters)
		t.parts[e.Partition] = p
	}
	p.TxMsgs += int64(e.Records)
	p.TxBytes += int64(e.WireBytes)
}

// Broker is one broker's figures at a snapshot.
type Broker struct {
	Name     string // "host:port/id" or "host:port/bootstrap", librdkafka's broker name
	NodeID   int32
	NodeName string // host:port
	Up       bool   // at least one connection is ready
	StateAge time.Duration
	TxIdle   time.Duration // since the last request written; -1 when none or not up
	RxIdle   time.Duration // since the last response read; -1 when none or not up
	Counters
	IntLatency, OutbufLatency, RTT, Throttle Summary
}

// Topic is one topic's windows and partition counters at a snapshot.
type Topic struct {
	BatchSize, BatchCnt Summary
	Partitions          map[int32]PartitionCounters
}

// Snapshot is what the collector holds at one instant.
type Snapshot struct {
	Brokers []Broker
	Topics  map[string]Topic
}

// Snapshot copies the counters and rolls every window over: each window
// covers the time since the previous Snapshot, as librdkafka's do between
// two emits.
func (c *Collector) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	s := Snapshot{Brokers: make([]Broker, 0, len(c.brokers)), Topics: make(map[string]Topic, len(c.topics))}
	for k, b := range c.brokers {
		out := Broker{NodeID: k.id, NodeName: b.node.Addr, Up: b.open > 0, StateAge: now.Sub(b.stateSince),
			TxIdle: -1, RxIdle: -1, Counters: b.Counters,
			IntLatency: b.intLatency.Roll(), OutbufLatency: b.outbufLatency.Roll(), RTT: b.rtt.Roll(), Throttle: b.throttle.Roll()}
		out.WaitResp = max(out.WaitResp, 0)
		out.Req = make(map[int16]int64, len(b.Req))
		for key, n := range b.Req {
			out.Req[key] = n
		}
		if k.id < 0 {
			out.Name = b.node.Addr + "/bootstrap"
		} else {
			out.Name = fmt.Sprintf("%s/%d", b.node.Addr, k.id)
		}
		if out.Up && !b.lastTx.IsZero() {
			out.TxIdle = now.Sub(b.lastTx)
		}
		if out.Up && !b.lastRx.IsZero() {
			out.RxIdle = now.Sub(b.lastRx)
		}
		s.Brokers = append(s.Brokers, out)
	}
	for name, t := range c.topics {
		out := Topic{BatchSize: t.batchSize.Roll(), BatchCnt: t.batchCnt.Roll(), Partitions: make(map[int32]PartitionCounters, len(t.parts))}
		for id, p := range t.parts {
			out.Partitions[id] = *p
		}
		s.Topics[name] = out
	}
	return s
}
