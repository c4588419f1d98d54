package producer

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/internal/sender"
	"github.com/kprod-go/kprod/internal/stats"
)

// apiNames are librdkafka's names for the requests its producer's
// statistics list in each broker's req object, zero or not, by API key.
// Admin requests, which librdkafka lists only once used, kprod never sends.
var apiNames = []struct {
	key  int16
	name string
}{
	{0, "Produce"}, {2, "ListOffsets"}, {3, "Metadata"}, {10, "FindCoordinator"},
	{17, "SaslHandshake"}, {18, "ApiVersion"}, {22, "InitProducerId"},
	{24, "AddPartitionsToTxn"}, {25, "AddOffsetsToTxn"}, {26, "EndTxn"}, {28, "TxnOffsetCommit"},
	{36, "SaslAuthenticate"}, {60, "DescribeCluster"}, {61, "DescribeProducers"},
	{65, "DescribeTransactions"}, {66, "ListTransactions"},
	{71, "GetTelemetrySubscriptions"}, {72, "PushTelemetry"},
	{76, "ShareGroupHeartbeat"}, {78, "ShareFetch"}, {79, "ShareAcknowledge"},
}

// Placeholders librdkafka's producer emits for the consumer's fields.
const (
	offsetInvalid = -1001 // RD_KAFKA_OFFSET_INVALID
	noEpoch       = -1
)

// statsEmitter builds a Stats every statistics.interval.ms and queues it
// for Poll. Its goroutine is started by New and stopped by Close, with the
// producer's housekeeping (stopHK, wg).
type statsEmitter struct {
	pending atomic.Bool // a Stats event is queued and not yet polled: no other is queued

	// msgs is the last msgs emitted per topic and partition; owned by the
	// emitting goroutine.
	msgs map[string]map[int32]int64

	col      *stats.Collector // the observer New installs
	interval time.Duration
	name     string
	created  time.Time

	// Owned by the emitting goroutine: the idempotence state and the last
	// producer id and epoch seen, for the state's age and the epoch count
	// (a change between two emits counts once).
	pid      int64
	epoch    int16
	state    sender.PIDState
	stateAt  time.Time
	epochCnt int64
}

func newStatsEmitter(cfg *config, name string) *statsEmitter {
	now := time.Now()
	return &statsEmitter{
		col:      stats.NewCollector(nil),
		interval: cfg.statisticsInterval,
		name:     name,
		msgs:     make(map[string]map[int32]int64),
		created:  now,
		pid:      -1,
		epoch:    -1,
		stateAt:  now,
	}
}

// statsLoop queues a Stats event every interval until Close.
func (p *Producer) statsLoop() {
	defer p.wg.Done()
	tick := time.NewTicker(p.stats.interval)
	defer tick.Stop()
	for {
		select {
		case <-p.stopHK:
			return
		case <-tick.C:
		}
		// One Stats waits for Poll at most: a service that never polls
		// does not pile them up. While one waits, the interval's emit is
		// skipped; counters lose nothing, windows cover a longer span.
		if p.stats.pending.CompareAndSwap(false, true) {
			p.reports.push(p.stats.build(p))
		}
	}
}

// build gathers the statistics: the collector's counters and windows
// (rolled over), and the producer's and sender's state as it is now.
func (e *statsEmitter) build(p *Producer) *Stats {
	now := time.Now()
	snap := e.col.Snapshot()
	s := &Stats{
		Name: e.name, ClientID: p.cfg.snd.Broker.ClientID, Type: "producer",
		TS: p.clock.Now() / 1000, Time: now.Unix(), Age: now.Sub(e.created).Microseconds(),
		ReplyQ: int64(p.reports.len()), MsgCnt: int64(p.Len()), MsgSize: p.acct.heldBytes(),
		MsgMax: int64(p.cfg.queueMaxMessages), MsgSizeMax: int64(p.cfg.queueMaxKBytes) * 1024,
		Brokers: make(map[string]BrokerStats), Topics: make(map[string]TopicStats),
	}
	// Brokers: every one the collector heard of, and every one metadata
	// named that it has not.
	byID := make(map[int32]string) // node id -> broker name
	for _, b := range snap.Brokers {
		bs := brokerStats(b)
		s.Brokers[bs.Name] = bs
		if b.NodeID >= 0 {
			byID[b.NodeID] = bs.Name
		}
		s.Tx += bs.Tx
		s.TxBytes += bs.TxBytes
		s.Rx += bs.Rx
		s.RxBytes += bs.RxBytes
	}
	for id, addr := range p.snd.Brokers() {
		if _, ok := byID[id]; ok {
			continue
		}
		empty := stats.Empty()
		bs := brokerStats(stats.Broker{NodeID: id, NodeName: addr, TxIdle: -1, RxIdle: -1,
			IntLatency: empty, OutbufLatency: empty, RTT: empty, Throttle: empty})
		bs.Name = addr + "/" + strconv.Itoa(int(id))
		s.Brokers[bs.Name] = bs
		byID[id] = bs.Name
	}
	for name, t := range *p.topics.Load() {
		ts, counted := snap.Topics[name]
		if !counted {
			ts.BatchSize, ts.BatchCnt = stats.Empty(), stats.Empty()
		}
		out := TopicStats{Topic: name, Age: time.Duration(p.clock.Now() - t.born).Milliseconds(),
			BatchSize: WindowStats(ts.BatchSize), BatchCnt: WindowStats(ts.BatchCnt),
			Partitions: make(map[string]PartitionStats)}
		if at := t.metaAt.Load(); at != 0 {
			out.MetadataAge = time.Duration(p.clock.Now() - at).Milliseconds()
		}
		if ps := t.parts.Load(); ps != nil {
			s.MetadataCacheCnt++
			for _, part := range ps.list {
				st := part.Stats()
				var c stats.PartitionCounters
				if counted {
					c = ts.Partitions[part.ID]
				}
				pst := partitionStats(part.ID, st.Leader)
				pst.MsgqCnt, pst.MsgqBytes = int64(st.QueuedMsgs), int64(st.QueuedBytes)
				pst.MsgsInflight = int64(st.InflightMsgs)
				pst.NextAckSeq = st.NextAckSeq
				pst.TxMsgs, pst.TxBytes = c.TxMsgs, c.TxBytes
				// Every message produced: delivered, failed, queued or in
				// flight. The parts are read one after another, so the
				// sum is kept from going below what an earlier emit said.
				pst.Msgs = max(c.TxMsgs+st.FailedMsgs+pst.MsgqCnt+pst.MsgsInflight, e.lastMsgs(name, part.ID))
				e.setLastMsgs(name, part.ID, pst.Msgs)
				out.Partitions[strconv.Itoa(int(part.ID))] = pst
				s.TxMsgs += pst.TxMsgs
				s.TxMsgBytes += pst.TxBytes
				if bn, ok := byID[st.Leader]; ok && st.Leader >= 0 {
					b := s.Brokers[bn]
					if b.Toppars == nil {
						b.Toppars = make(map[string]TopparStats)
					}
					b.Toppars[fmt.Sprintf("%s-%d", name, part.ID)] = TopparStats{Topic: name, Partition: part.ID}
					b.WaitRespMsgCnt += pst.MsgsInflight
					s.Brokers[bn] = b
				}
			}
		}
		ua := partitionStats(-1, -1)
		t.mu.Lock()
		ua.MsgqCnt = int64(len(t.unassigned))
		for _, m := range t.unassigned {
			ua.MsgqBytes += int64(len(m.Value))
		}
		t.mu.Unlock()
		ua.Msgs = ua.MsgqCnt
		out.Partitions["-1"] = ua
		s.Topics[name] = out
	}
	if p.cfg.snd.Idempotent {
		s.EOS = e.eos(p, now)
	}
	if f := p.fatalErr.Load(); f != nil {
		s.Fatal = &FatalStats{Error: f.Code().Name(), Reason: f.Error(), Cnt: 1}
	}
	return s
}

// eos reads the producer id state, counting each new id or epoch.
func (e *statsEmitter) eos(p *Producer, now time.Time) *EOSStats {
	pid, epoch, state := p.snd.PID()
	if state != e.state {
		e.state, e.stateAt = state, now
	}
	if pid >= 0 && (pid != e.pid || epoch != e.epoch) {
		e.epochCnt++
		e.pid, e.epoch = pid, epoch
	}
	eos := &EOSStats{IdempState: state.String(), IdempStateAge: now.Sub(e.stateAt).Milliseconds(),
		TxnState: "Init", TxnStateAge: now.Sub(e.created).Milliseconds(),
		ProducerID: pid, ProducerEpoch: epoch, EpochCnt: e.epochCnt}
	if p.txn != nil {
		ts, age := p.txn.State()
		eos.TxnState, eos.TxnStateAge, eos.TxnMayEnq = ts.String(), age.Milliseconds(), p.txn.mayProduce.Load()
	}
	return eos
}

// brokerStats turns the collector's figures into librdkafka's.
func brokerStats(b stats.Broker) BrokerStats {
	out := BrokerStats{Name: b.Name, NodeID: b.NodeID, NodeName: b.NodeName, Source: "learned", State: "INIT",
		StateAge: b.StateAge.Microseconds(), WaitRespCnt: b.WaitResp,
		Tx: b.Tx, TxBytes: b.TxBytes, TxErrs: b.TxErrs, TxRetries: b.TxRetries, TxIdle: idle(b.TxIdle),
		ReqTimeouts: b.ReqTimeouts, Rx: b.Rx, RxBytes: b.RxBytes, RxErrs: b.RxErrs, RxIdle: idle(b.RxIdle),
		Connects: b.Connects, Disconnects: b.Disconnects,
		IntLatency: WindowStats(b.IntLatency), OutbufLatency: WindowStats(b.OutbufLatency),
		RTT: WindowStats(b.RTT), Throttle: WindowStats(b.Throttle),
		Req: make(map[string]int64, len(apiNames)), Toppars: make(map[string]TopparStats)}
	if b.NodeID < 0 {
		out.Source = "configured"
	}
	switch {
	case b.Up:
		out.State = "UP"
	case b.Connects > 0:
		out.State = "DOWN"
	}
	for _, a := range apiNames {
		out.Req[a.name] = b.Req[a.key]
	}
	return out
}

// idle is a duration in µs, -1 staying -1.
func idle(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return d.Microseconds()
}

// partitionStats returns a partition's entry with librdkafka's
// placeholders for what a producer does not track.
func partitionStats(id, leader int32) PartitionStats {
	return PartitionStats{Partition: id, Broker: leader, Leader: leader, FetchState: "none",
		QueryOffset: offsetInvalid, NextOffset: offsetInvalid, AppOffset: offsetInvalid, StoredOffset: offsetInvalid,
		StoredLeaderEpoch: noEpoch, CommitedOffset: offsetInvalid, CommittedOffset: offsetInvalid,
		CommittedLeaderEpoch: noEpoch, EOFOffset: offsetInvalid,
		LoOffset: offsetInvalid, HiOffset: offsetInvalid, LsOffset: offsetInvalid,
		ConsumerLag: -1, ConsumerLagStored: -1, LeaderEpoch: noEpoch}
}

// lastMsgs returns the msgs last emitted for a partition, 0 if none.
func (e *statsEmitter) lastMsgs(topic string, part int32) int64 { return e.msgs[topic][part] }

func (e *statsEmitter) setLastMsgs(topic string, part int32, n int64) {
	m := e.msgs[topic]
	if m == nil {
		m = make(map[int32]int64)
		e.msgs[topic] = m
	}
	m[part] = n
}
