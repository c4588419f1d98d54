package producer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/metadata"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/kprod-go/kprod/internal/sender"
)

// metaLoop keeps the producer's view of the cluster current. It owns one
// goroutine and one connection of its own, to any reachable broker (a
// bootstrap server first, then any broker metadata listed), as librdkafka
// keeps its bootstrap brokers apart from the learned ones.
//
// It refreshes every topic.metadata.refresh.interval.ms, and soon after a
// trigger: a new topic, a lost leader, a lost connection. Triggers closer
// together than topic.metadata.refresh.fast.interval.ms are merged.
type metaLoop struct {
	p      *Producer
	bcfg   broker.Config
	wake   chan struct{} // capacity 1: a pending trigger
	stop   chan struct{} // closed by close
	done   chan struct{} // closed when the goroutine exits
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by the loop goroutine.
	conn    *broker.Conn
	learned []string // broker addresses from the latest metadata
	next    int      // index of the next address to try
	down    bool     // an ErrAllBrokersDown event has been raised and not cleared
}

func newMetaLoop(p *Producer, bcfg broker.Config) *metaLoop {
	m := &metaLoop{p: p, bcfg: bcfg, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	go m.loop()
	return m
}

// trigger asks for a refresh soon. It never blocks.
func (m *metaLoop) trigger() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// close stops the goroutine and waits for it.
func (m *metaLoop) close() {
	close(m.stop)
	m.cancel()
	<-m.done
}

func (m *metaLoop) loop() {
	defer close(m.done)
	defer func() {
		if m.conn != nil {
			m.conn.Close(nil)
		}
	}()
	cfg := m.p.cfg
	fast := cfg.metadataRefreshFast
	periodic := cfg.metadataRefreshInterval
	failures := 0
	timer := time.NewTimer(0) // the first refresh learns the brokers at once
	defer timer.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-m.wake:
		case <-timer.C:
		}
		timer.Stop()
		wait := periodic
		if err := m.refresh(); err != nil {
			failures++
			wait = min(fast<<min(failures, 7), 10*time.Second) // back off while nothing answers
		} else {
			failures = 0
			if m.p.needsMetadata() {
				wait = fast // a topic still waits for partitions or a leader
			}
		}
		// Merge triggers that come within the fast interval of a refresh.
		select {
		case <-m.stop:
			return
		case <-time.After(fast):
		}
		if wait >= 0 {
			timer.Reset(max(wait-fast, 0))
		}
	}
}

// refresh fetches metadata for every topic the producer has seen and
// applies it.
func (m *metaLoop) refresh() error {
	names := m.p.topicNames()
	var snap *metadata.Snapshot
	var err error
	for attempt := 0; attempt < 2; attempt++ { // a stale connection gets one retry on a fresh one
		conn, cerr := m.connection()
		if cerr != nil {
			m.allDown(cerr)
			return cerr
		}
		ctx, cancel := context.WithTimeout(m.ctx, m.p.cfg.socketTimeout)
		snap, err = metadata.Fetch(ctx, conn, names, m.p.cfg.allowAutoCreateTopics)
		cancel()
		if err == nil {
			break
		}
		conn.Close(err)
		m.conn = nil
	}
	if err != nil {
		return err
	}
	m.down = false
	m.learned = m.learned[:0]
	for _, id := range snap.BrokerIDs() {
		m.learned = append(m.learned, snap.Brokers[id])
	}
	m.p.applyMetadata(snap)
	return nil
}

// connection returns the loop's connection, dialing the next address in
// turn (learned brokers first, then the bootstrap servers) when it has
// none.
func (m *metaLoop) connection() (*broker.Conn, error) {
	if m.conn != nil && m.conn.Err() == nil {
		return m.conn, nil
	}
	m.conn = nil
	addrs := append(append([]string(nil), m.learned...), m.p.cfg.bootstrapServers...)
	start := m.next
	var last error
	for i := range addrs {
		addr := addrs[(start+i)%len(addrs)]
		c, err := broker.NewConnector(m.bcfg).Connect(m.ctx, observe.Node{ID: -1, Addr: addr})
		if err == nil {
			m.next = (start + i + 1) % len(addrs)
			m.conn = c
			return c, nil
		}
		last = err
	}
	m.next = rand.IntN(len(addrs))
	return nil, fmt.Errorf("no broker reachable among %d addresses: %w", len(addrs), last)
}

// allDown raises one ErrAllBrokersDown event per outage.
func (m *metaLoop) allDown(err error) {
	if m.down || m.ctx.Err() != nil { // closing cancels dials: that is no outage
		return
	}
	m.down = true
	m.p.reports.push(wrapError(ErrAllBrokersDown, err, "all brokers are down: %v", err))
}

// topicNames lists the topics the producer has seen.
func (p *Producer) topicNames() []string {
	ts := *p.topics.Load()
	names := make([]string, 0, len(ts))
	for name := range ts {
		names = append(names, name)
	}
	return names
}

// needsMetadata reports whether some topic still waits for metadata: it has
// no partitions yet, or a partition has no leader.
func (p *Producer) needsMetadata() bool {
	for _, t := range *p.topics.Load() {
		ps := t.parts.Load()
		if ps == nil {
			if t.hasWaiting() {
				return true
			}
			continue
		}
		for _, sp := range ps.list {
			if sp.Leader() == nil {
				return true
			}
		}
	}
	return false
}

// hasWaiting reports whether messages wait for the topic's metadata.
func (t *topic) hasWaiting() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.unassigned) > 0 || t.err == nil
}

// topicGone reports whether a topic that had partitions is now known not to
// exist, as librdkafka declares it: the metadata answers
// UNKNOWN_TOPIC_OR_PARTITION or UNKNOWN_TOPIC_ID for it, and
// topic.metadata.propagation.max.ms has passed since the producer first saw
// it (a topic just created may not have reached every broker). It marks the
// topic so that Produce fails with ErrUnknownTopic; the caller fails what
// is queued, at every refresh while it stays so, which also catches batches
// that come back from requests in flight.
func (p *Producer) topicGone(t *topic, code int16) bool {
	if code != int16(ErrUnknownTopicOrPart) && code != int16(ErrUnknownTopicID) ||
		p.clock.Now()-t.born <= int64(p.cfg.metadataPropagationMax) {
		return false
	}
	if t.gone.Load() == nil {
		err := newError(ErrUnknownTopic, "Produce to topic %q: the topic no longer exists (metadata: %v)", t.name, ErrorCode(code))
		t.gone.Store(&err)
	}
	return true
}

// applyMetadata brings the sender and every topic in line with snap:
// brokers get sinks, partitions follow their leaders, topics that grew get
// their new partitions.
func (p *Producer) applyMetadata(snap *metadata.Snapshot) {
	p.snd.SetBrokers(snap.Brokers)
	for name, t := range *p.topics.Load() {
		tm, ok := snap.Topics[name]
		if !ok {
			continue
		}
		switch tm.Err {
		case 0:
		case 29: // TOPIC_AUTHORIZATION_FAILED: the topic is in an error state
			if t.parts.Load() == nil {
				t.setError(p, newError(ErrTopicAuthorizationFailed, "not authorized to produce to topic %q", name))
			}
			continue
		default: // unknown, being created, leader not available: wait, up to topic.metadata.propagation.max.ms
			if ps := t.parts.Load(); ps != nil {
				gone := p.topicGone(t, tm.Err)
				for _, sp := range ps.list {
					p.snd.Assign(sp, -1) // unavailable: hold batches until it is back or they time out
					if gone {
						p.snd.FailQueued(sp, int32(tm.Err), fmt.Sprintf("topic %q no longer exists", name))
					}
				}
			}
			continue
		}
		if t.gone.Load() != nil {
			t.gone.Store(nil) // it exists again
		}
		if len(tm.Partitions) == 0 {
			continue
		}
		old := t.parts.Load()
		ps := old
		if old == nil || len(old.list) != len(tm.Partitions) {
			ps = &partitions{list: make([]*sender.Partition, len(tm.Partitions))}
			for i := range ps.list {
				if old != nil && i < len(old.list) {
					ps.list[i] = old.list[i]
				} else {
					ps.list[i] = sender.NewPartition(name, int32(i), &p.acc)
				}
			}
			if old != nil {
				for _, sp := range old.list[min(len(old.list), len(ps.list)):] {
					p.snd.Assign(sp, -1)
					p.snd.FailQueued(sp, int32(ErrUnknownPartition), fmt.Sprintf("partition %s [%d] no longer exists", name, sp.ID))
				}
			}
		}
		for i, pm := range tm.Partitions {
			leader := pm.Leader
			if pm.Err != 0 && pm.Err != 9 { // REPLICA_NOT_AVAILABLE still has a usable leader
				leader = -1
			}
			p.snd.Assign(ps.list[i], leader)
		}
		if ps != old {
			t.setPartitions(p, ps)
		}
	}
}
