package producer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/metadata"
	"github.com/kprod-go/kprod/internal/route"
	"github.com/kprod-go/kprod/internal/sender"
)

// metaLoop keeps the producer's view of the cluster current. It owns one
// goroutine, and asks any reachable broker through the router (brokers
// from the metadata first, then the bootstrap servers), on the router's
// connections, apart from the sinks' produce connections.
//
// It refreshes every topic.metadata.refresh.interval.ms, and soon after a
// trigger: a new topic, a lost leader, a lost connection. Triggers closer
// together than topic.metadata.refresh.fast.interval.ms are merged.
type metaLoop struct {
	p      *Producer
	router *route.Router
	wake   chan struct{} // capacity 1: a pending trigger
	stop   chan struct{} // closed by close
	done   chan struct{} // closed when the goroutine exits
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by the loop goroutine.
	down bool // an ErrAllBrokersDown event has been raised and not cleared
}

func newMetaLoop(p *Producer, router *route.Router) *metaLoop {
	m := &metaLoop{p: p, router: router, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
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
	cfg := m.p.cfg
	fast := cfg.metadataRefreshFast
	periodic := cfg.metadataRefreshInterval
	if maxAge := cfg.metadataMaxAge; maxAge > 0 && (periodic < 0 || periodic > maxAge) {
		// metadata.max.age.ms: librdkafka expires a cache entry this old,
		// and a topic in use then looks its metadata up again.
		periodic = maxAge
	}
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
// applies it. The router sends the request once more on a fresh connection
// when a stale one fails, and the connection bounds it with
// socket.timeout.ms.
func (m *metaLoop) refresh() error {
	names := m.p.topicNames()
	log := m.p.log
	if log.On(logx.Metadata) { // not per message, but the join is not free
		log.Debugf(logx.Metadata, "METADATA", "Requesting metadata for %d topic(s): %s", len(names), strings.Join(names, ", "))
	}
	snap, err := metadata.Fetch(m.ctx, m.router.Any, names, m.p.cfg.allowAutoCreateTopics)
	if err != nil {
		log.Debugf(logx.Metadata, "METADATA", "Metadata request failed: %v", err)
		if errors.Is(err, route.ErrUnreachable) {
			m.allDown(err)
		}
		return err
	}
	if log.On(logx.Metadata) {
		log.Debugf(logx.Metadata, "METADATA", "Received metadata: %d broker(s), %d topic(s)", len(snap.Brokers), len(snap.Topics))
		for id, addr := range snap.Brokers {
			log.Debugf(logx.Metadata, "METADATA", "  Broker #%d: %s", id, addr)
		}
		for name, tm := range snap.Topics {
			log.Debugf(logx.Metadata, "METADATA", "  Topic %s with %d partition(s): %v", name, len(tm.Partitions), errorCode(tm.Err))
		}
	}
	m.down = false
	m.router.SetBrokers(snap.Brokers)
	m.p.applyMetadata(snap)
	return nil
}

// allDown raises one ErrAllBrokersDown event per outage.
func (m *metaLoop) allDown(err error) {
	if m.down || m.ctx.Err() != nil { // closing cancels dials: that is no outage
		return
	}
	m.down = true
	m.p.log.Logf(logx.Err, "FAIL", "All brokers are down: %v", err)
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
func (p *Producer) topicGone(t *topic, code errcode.Code) bool {
	if code != errcode.UnknownTopicOrPart && code != errcode.UnknownTopicID ||
		p.clock.Now()-t.born <= int64(p.cfg.metadataPropagationMax) {
		return false
	}
	if t.gone.Load() == nil {
		err := newError(ErrUnknownTopic, "Produce to topic %q: the topic no longer exists (metadata: %v)", t.name, errorCode(code))
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
		t.metaAt.Store(p.clock.Now())
		switch tm.Err {
		case errcode.NoError:
		case errcode.TopicAuthorizationFailed: // the topic is in an error state
			if t.parts.Load() == nil {
				t.setError(p, newError(ErrTopicAuthorizationFailed, "not authorized to produce to topic %q", name))
			}
			continue
		default: // unknown, being created, leader not available: wait, up to topic.metadata.propagation.max.ms
			t.absent.Store(tm.Err == errcode.UnknownTopicOrPart || tm.Err == errcode.UnknownTopicID) // as of this answer
			if ps := t.parts.Load(); ps != nil {
				gone := p.topicGone(t, tm.Err)
				for _, sp := range ps.list {
					p.snd.Assign(sp, -1) // unavailable: hold batches until it is back or they time out
					if gone {
						p.snd.FailQueued(sp, tm.Err, fmt.Sprintf("topic %q no longer exists", name))
					}
				}
			}
			continue
		}
		if t.gone.Load() != nil {
			t.gone.Store(nil) // it exists again
		}
		t.absent.Store(false)
		if len(tm.Partitions) == 0 {
			continue
		}
		old := t.parts.Load()
		ps := old
		if old == nil || len(old.list) != len(tm.Partitions) {
			kept := 0
			if old != nil {
				kept = min(len(old.list), len(tm.Partitions))
			}
			ps = &partitions{list: make([]*sender.Partition, 0, len(tm.Partitions))}
			if kept > 0 {
				ps.list = append(ps.list, old.list[:kept]...)
			}
			ps.list = append(ps.list, p.snd.AddPartitions(name, int32(kept), int32(len(tm.Partitions)))...)
			if old != nil {
				for _, sp := range old.list[min(len(old.list), len(ps.list)):] {
					p.snd.Assign(sp, -1)
					p.snd.FailQueued(sp, internalCode(ErrUnknownPartition), fmt.Sprintf("partition %s [%d] no longer exists", name, sp.ID))
				}
			}
		}
		if ps != old {
			p.logPartitionCount(name, old, ps)
		}
		for i, pm := range tm.Partitions {
			leader := pm.Leader
			if pm.Err != errcode.NoError && pm.Err != errcode.ReplicaNotAvailable { // it still has a usable leader
				leader = -1
			}
			p.snd.Assign(ps.list[i], leader)
		}
		if ps != old {
			t.setPartitions(p, ps)
		}
	}
}

// logPartitionCount logs a topic's new partition count: at level 5
// (notice) when it changed, as librdkafka does, in the topic context when
// the topic's partitions are first known.
func (p *Producer) logPartitionCount(name string, old, ps *partitions) {
	if old == nil {
		p.log.Debugf(logx.Topic, "PARTCNT", "Topic %s partition count changed from 0 to %d", name, len(ps.list))
		return
	}
	p.log.Logf(logx.Notice, "PARTCNT", "Topic %s partition count changed from %d to %d", name, len(old.list), len(ps.list))
}
