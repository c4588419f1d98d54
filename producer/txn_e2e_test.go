package producer_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// ledgerTopic is the second topic of the transaction tests' clusters, so
// that a transaction spans topics as well as partitions.
const ledgerTopic = "ledger"

// txnProtocol is one way a cluster speaks the transaction protocol.
type txnProtocol struct {
	name string
	v2   bool // KIP-890: partitions added by Produce v12, an epoch bump per EndTxn v5
	opts []kfake.Opt
	pin  func(t testing.TB, c *kfake.Cluster) // run once the cluster is up; nil for none
}

var (
	// txnV2 is kfake as it comes: it models a 4.4 broker with
	// transaction.version finalized at 2, Produce v12+ and EndTxn v5.
	txnV2 = txnProtocol{name: "v2 KIP-890", v2: true}
	// txnV1 is a 3.9 broker: no transaction.version feature, Produce up
	// to v11 and EndTxn up to v4, so partitions are added with
	// AddPartitionsToTxn and the epoch stays across transactions.
	txnV1 = txnProtocol{name: "v1 on a 3.9 broker", opts: []kfake.Opt{kfake.MaxVersions(kversion.V3_9_0())}}
	// txnV1Feature is a broker that serves the KIP-890 request versions
	// but has transaction.version finalized at 1: the producer must go by
	// the feature, not by the versions.
	txnV1Feature = txnProtocol{name: "v1 with transaction.version=1 on a 4.4 broker", pin: pinTransactionVersion(1)}
)

// txnProtocols are the protocols every transaction test runs on.
var txnProtocols = []txnProtocol{txnV2, txnV1}

// forEachTxnProtocol runs body as a subtest per protocol.
func forEachTxnProtocol(t *testing.T, protos []txnProtocol, body func(t *testing.T, proto txnProtocol)) {
	for _, proto := range protos {
		t.Run(proto.name, func(t *testing.T) { body(t, proto) })
	}
}

// newTxnCluster starts a cluster speaking proto, with testTopic on 6
// partitions and ledgerTopic on 3.
func newTxnCluster(t testing.TB, proto txnProtocol, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	all := append(slices.Clone(proto.opts), kfake.SeedTopics(3, ledgerTopic))
	c := newCluster(t, append(all, opts...)...)
	if proto.pin != nil {
		proto.pin(t, c)
	}
	return c
}

// pinTransactionVersion sets the cluster's finalized transaction.version
// with UpdateFeatures and checks that ApiVersions now advertises it.
func pinTransactionVersion(level int16) func(t testing.TB, c *kfake.Cluster) {
	return func(t testing.TB, c *kfake.Cluster) {
		t.Helper()
		cl := newAdmin(t, c)
		req := kmsg.NewPtrUpdateFeaturesRequest()
		fu := kmsg.NewUpdateFeaturesRequestFeatureUpdate()
		fu.Feature = "transaction.version"
		fu.MaxVersionLevel = level
		fu.AllowDowngrade = true
		fu.UpgradeType = 2 // a safe downgrade
		req.FeatureUpdates = append(req.FeatureUpdates, fu)
		resp, err := req.RequestWith(testCtx(t, 10*time.Second), cl)
		require.NoError(t, err)
		require.NoError(t, kerr.ErrorForCode(resp.ErrorCode), "UpdateFeatures")
		for _, r := range resp.Results {
			require.NoError(t, kerr.ErrorForCode(r.ErrorCode), "UpdateFeatures %s", r.Feature)
		}
		for _, addr := range c.ListenAddrs() {
			one, err := kgo.NewClient(kgo.SeedBrokers(addr))
			require.NoError(t, err)
			av, err := kmsg.NewPtrApiVersionsRequest().RequestWith(testCtx(t, 10*time.Second), one)
			one.Close()
			require.NoError(t, err)
			got := int16(0)
			for _, f := range av.FinalizedFeatures {
				if f.Name == "transaction.version" {
					got = f.MaxVersionLevel
				}
			}
			require.Equal(t, level, got, "transaction.version advertised by %s", addr)
		}
	}
}

// testCtx returns a context that ends after d or with the test.
func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// newAdmin returns a plain kgo client for c, closed when the test ends.
func newAdmin(t testing.TB, c *kfake.Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

var nonIDChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// txnIDFor returns a transactional id unique to the test.
func txnIDFor(t testing.TB) string { return nonIDChars.ReplaceAllString("txn-"+t.Name(), "_") }

// txnConf is the configuration of a transactional producer for t, with
// extra on top.
func txnConf(t testing.TB, extra producer.ConfigMap) producer.ConfigMap {
	conf := producer.ConfigMap{
		"transactional.id": txnIDFor(t),
		"linger.ms":        1,
		"retry.backoff.ms": 5,
	}
	for k, v := range extra {
		conf[k] = v
	}
	return conf
}

// newTxnProducer returns a transactional producer for c whose
// InitTransactions succeeded.
func newTxnProducer(t testing.TB, c *kfake.Cluster, conf producer.ConfigMap) *producer.Producer {
	t.Helper()
	p := newProducer(t, c, conf)
	require.NoError(t, p.InitTransactions(testCtx(t, 15*time.Second)), "InitTransactions")
	return p
}

// newOtherTxnProducer is newTxnProducer for a producer made while the
// test's first one is open: it is closed when the test ends, before the
// first, whose cleanup checks for leaked goroutines once both are closed.
func newOtherTxnProducer(t testing.TB, c *kfake.Cluster, conf producer.ConfigMap) *producer.Producer {
	t.Helper()
	m := producer.ConfigMap{"bootstrap.servers": strings.Join(c.ListenAddrs(), ",")}
	for k, v := range conf {
		m[k] = v
	}
	p, err := producer.New(m)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	require.NoError(t, p.InitTransactions(testCtx(t, 15*time.Second)), "InitTransactions")
	return p
}

// txnTarget is a partition the transaction tests write to.
type txnTarget struct {
	topic     string
	partition int32
}

// txnTargets is every partition of the transaction tests' clusters:
// testTopic's 6 and ledgerTopic's 3.
var txnTargets = func() []txnTarget {
	var ts []txnTarget
	for p := range int32(6) {
		ts = append(ts, txnTarget{testTopic, p})
	}
	for p := range int32(3) {
		ts = append(ts, txnTarget{ledgerTopic, p})
	}
	return ts
}()

// produceTxn produces n messages valued label-0, label-1, ... round-robin
// over targets (all of txnTargets when nil), and returns them; they come
// back as delivery reports.
func produceTxn(t testing.TB, p *producer.Producer, label string, n int, targets []txnTarget) []*producer.Message {
	t.Helper()
	if targets == nil {
		targets = txnTargets
	}
	ms := make([]*producer.Message, 0, n)
	for i := range n {
		tg := targets[i%len(targets)]
		m := &producer.Message{Topic: tg.topic, Partition: tg.partition, Key: keyFor(i),
			Value: []byte(fmt.Sprintf("%s-%d", label, i)), Opaque: label}
		require.NoError(t, p.Produce(m, nil), "Produce %s", m.Value)
		ms = append(ms, m)
	}
	return ms
}

// requireDelivered polls the n delivery reports of a transaction and
// checks that each was written.
func requireDelivered(t testing.TB, p *producer.Producer, n int) []*producer.Message {
	t.Helper()
	reports := pollReports(t, p, n, 15*time.Second)
	for _, m := range reports {
		require.NoError(t, m.Err, "delivery of %s", m.Value)
		require.Equal(t, producer.Persisted, m.Status, "status of %s", m.Value)
		require.GreaterOrEqual(t, m.Offset, int64(0), "offset of %s", m.Value)
	}
	return reports
}

// newLogReader returns an independent client (kgo) reading both topics
// from the start at read_committed or read_uncommitted.
func newLogReader(t testing.TB, c *kfake.Cluster, committed bool) *kgo.Client {
	t.Helper()
	level := kgo.ReadUncommitted()
	if committed {
		level = kgo.ReadCommitted()
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(testTopic, ledgerTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(level),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// readLog reads n records of both topics at the isolation level, then
// whatever else comes within a moment, failing if the n do not come.
func readLog(t testing.TB, c *kfake.Cluster, committed bool, n int) []*kgo.Record {
	t.Helper()
	return consumeWith(t, newLogReader(t, c, committed), testTopic+"+"+ledgerTopic, n)
}

// readCommittedUntil reads at read_committed until every message of
// sentinels is there (a transaction committed last, so everything before
// it in each partition is decided), then whatever else comes within a
// moment, and returns the records read.
func readCommittedUntil(t testing.TB, c *kfake.Cluster, sentinels []*producer.Message) []*kgo.Record {
	t.Helper()
	want := map[string]bool{}
	for _, m := range sentinels {
		want[string(m.Value)] = true
	}
	cl := newLogReader(t, c, true)
	ctx := testCtx(t, 20*time.Second)
	var out []*kgo.Record
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d records at read_committed; %d of the last transaction's messages never showed", len(out), len(want))
		}
		for _, e := range fs.Errors() {
			t.Logf("fetch error %s[%d]: %v", e.Topic, e.Partition, e.Err)
		}
		for _, r := range fs.Records() {
			delete(want, string(r.Value))
			out = append(out, r)
		}
	}
	extra, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	return append(out, cl.PollFetches(extra).Records()...)
}

// requireLogHolds asserts that records are exactly the messages of want:
// per partition the same values at the same offsets, in the same order.
func requireLogHolds(t testing.TB, records []*kgo.Record, want []*producer.Message) {
	t.Helper()
	got := map[txnTarget][]string{}
	for _, r := range records {
		tg := txnTarget{r.Topic, r.Partition}
		got[tg] = append(got[tg], fmt.Sprintf("%d:%s", r.Offset, r.Value))
	}
	exp := map[txnTarget][]string{}
	for _, m := range want {
		tg := txnTarget{m.Topic, m.Partition}
		exp[tg] = append(exp[tg], fmt.Sprintf("%d:%s", m.Offset, m.Value))
	}
	require.Equal(t, exp, got, "the log, per partition as offset:value")
}

// groupOffset is one committed consumer offset as OffsetFetch returns it.
type groupOffset struct {
	offset   int64
	metadata string
}

// groupOffsets reads the committed offsets of group with an independent
// client; a group with none has an empty map.
func groupOffsets(t testing.TB, c *kfake.Cluster, group string) map[txnTarget]groupOffset {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	resp, err := req.RequestWith(testCtx(t, 10*time.Second), newAdmin(t, c))
	require.NoError(t, err)
	out := map[txnTarget]groupOffset{}
	add := func(topic string, ps []kmsg.OffsetFetchResponseTopicPartition) {
		for _, p := range ps {
			require.NoError(t, kerr.ErrorForCode(p.ErrorCode), "OffsetFetch %s[%d]", topic, p.Partition)
			if p.Offset < 0 {
				continue
			}
			var md string
			if p.Metadata != nil {
				md = *p.Metadata
			}
			out[txnTarget{topic, p.Partition}] = groupOffset{p.Offset, md}
		}
	}
	if len(resp.Groups) > 0 {
		for _, g := range resp.Groups {
			if errors.Is(kerr.ErrorForCode(g.ErrorCode), kerr.GroupIDNotFound) {
				continue
			}
			require.NoError(t, kerr.ErrorForCode(g.ErrorCode), "OffsetFetch %s", g.Group)
			for _, tp := range g.Topics {
				ps := make([]kmsg.OffsetFetchResponseTopicPartition, 0, len(tp.Partitions))
				for _, p := range tp.Partitions {
					ps = append(ps, kmsg.OffsetFetchResponseTopicPartition{Partition: p.Partition,
						Offset: p.Offset, Metadata: p.Metadata, ErrorCode: p.ErrorCode})
				}
				add(tp.Topic, ps)
			}
		}
		return out
	}
	if !errors.Is(kerr.ErrorForCode(resp.ErrorCode), kerr.GroupIDNotFound) {
		require.NoError(t, kerr.ErrorForCode(resp.ErrorCode), "OffsetFetch %s", group)
	}
	for _, tp := range resp.Topics {
		add(tp.Topic, tp.Partitions)
	}
	return out
}

// txnState is what DescribeTransactions says of a transactional id.
type txnState struct {
	state string // "Ongoing" or "Empty" on kfake
	pid   int64
	epoch int16
}

// describeTxn asks the cluster about the transactional id.
func describeTxn(t testing.TB, c *kfake.Cluster, id string) txnState {
	t.Helper()
	req := kmsg.NewPtrDescribeTransactionsRequest()
	req.TransactionalIDs = []string{id}
	resp, err := req.RequestWith(testCtx(t, 10*time.Second), newAdmin(t, c))
	require.NoError(t, err)
	require.Len(t, resp.TransactionStates, 1)
	st := resp.TransactionStates[0]
	require.NoError(t, kerr.ErrorForCode(st.ErrorCode), "DescribeTransactions %s", id)
	return txnState{st.State, st.ProducerID, st.ProducerEpoch}
}

// requireTxnError asserts that err is a producer.Error with code and the
// given classification.
func requireTxnError(t testing.TB, err error, code producer.ErrorCode, fatal, abortable, retriable bool) producer.Error {
	t.Helper()
	require.Error(t, err)
	var pe producer.Error
	require.True(t, errors.As(err, &pe), "error %T is not a producer.Error: %v", err, err)
	assert.Equal(t, code, pe.Code(), "code of %v", err)
	assert.Equal(t, fatal, pe.IsFatal(), "IsFatal of %v", err)
	assert.Equal(t, abortable, pe.TxnRequiresAbort(), "TxnRequiresAbort of %v", err)
	assert.Equal(t, retriable, pe.IsRetriable(), "IsRetriable of %v", err)
	return pe
}

// requestLog records the version of every request kfake serves, by key.
type requestLog struct {
	mu       sync.Mutex
	versions map[kmsg.Key][]int16
	txnIDs   map[kmsg.Key][]string // the TransactionalID of Produce requests
}

// logRequests starts recording c's requests.
func logRequests(c *kfake.Cluster) *requestLog {
	l := &requestLog{versions: map[kmsg.Key][]int16{}, txnIDs: map[kmsg.Key][]string{}}
	c.Control(func(r kmsg.Request) (kmsg.Response, error, bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		k := kmsg.Key(r.Key())
		l.versions[k] = append(l.versions[k], r.GetVersion())
		if pr, ok := r.(*kmsg.ProduceRequest); ok {
			id := ""
			if pr.TransactionID != nil {
				id = *pr.TransactionID
			}
			l.txnIDs[k] = append(l.txnIDs[k], id)
		}
		return nil, nil, false
	})
	return l
}

// produceTxnIDs returns the TransactionalID of every Produce request.
func (l *requestLog) produceTxnIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.txnIDs[kmsg.Produce])
}

// of returns the versions of the requests of key seen so far.
func (l *requestLog) of(key kmsg.Key) []int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.versions[key])
}

func TestTxnCommittedAreVisibleReadCommittedAndAbortedNever(t *testing.T) {
	forEachTxnProtocol(t, append(txnProtocols, txnV1Feature), func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		p := newTxnProducer(t, c, txnConf(t, nil))
		ctx := testCtx(t, 30*time.Second)
		var committed, all []*producer.Message
		epochs := map[string]int16{}
		for i, commit := range []bool{true, false, true, false, true} {
			label := fmt.Sprintf("txn%d", i)
			require.NoError(t, p.BeginTransaction())
			ms := produceTxn(t, p, label, 20+3*i, nil)
			if commit {
				require.NoError(t, p.CommitTransaction(ctx), "commit %s", label)
				committed = append(committed, ms...)
			} else {
				// Written and acknowledged, then aborted: the log holds them, marked aborted.
				require.Zero(t, p.Flush(15*time.Second), "flush %s", label)
				require.NoError(t, p.AbortTransaction(ctx), "abort %s", label)
			}
			requireDelivered(t, p, len(ms))
			all = append(all, ms...)
		}
		requireNoMoreReports(t, p)

		requireLogHolds(t, readLog(t, c, true, len(committed)), committed)
		uncommitted := readLog(t, c, false, len(all))
		requireLogHolds(t, uncommitted, all)

		pids := map[int64]bool{}
		for _, r := range uncommitted {
			pids[r.ProducerID] = true
			label := string(r.Value[:4])
			if e, ok := epochs[label]; ok {
				require.Equal(t, e, r.ProducerEpoch, "one epoch within transaction %s", label)
			}
			epochs[label] = r.ProducerEpoch
		}
		require.Len(t, pids, 1, "one producer id for every transaction")
		for i := 1; i < 5; i++ {
			prev, cur := epochs[fmt.Sprintf("txn%d", i-1)], epochs[fmt.Sprintf("txn%d", i)]
			if proto.v2 {
				assert.Equal(t, prev+1, cur, "KIP-890: the epoch is bumped by every EndTxn, txn%d", i)
			} else {
				assert.Equal(t, prev, cur, "v1: the epoch stays across transactions, txn%d", i)
			}
		}
		require.NoError(t, p.FatalError())
	})
}

func TestTxnProtocolFollowsTheBroker(t *testing.T) {
	forEachTxnProtocol(t, append(txnProtocols, txnV1Feature), func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		reqs := logRequests(c)
		id := txnIDFor(t)
		p := newTxnProducer(t, c, txnConf(t, nil))
		ctx := testCtx(t, 30*time.Second)
		meta, err := producer.NewTestConsumerGroupMetadata("group-" + id)
		require.NoError(t, err)
		for i := range 2 {
			require.NoError(t, p.BeginTransaction())
			ms := produceTxn(t, p, fmt.Sprintf("txn%d", i), 12, nil)
			require.NoError(t, p.SendOffsetsToTransaction(ctx,
				[]producer.TopicPartition{{Topic: testTopic, Partition: 0, Offset: int64(10 * (i + 1))}}, meta))
			require.NoError(t, p.CommitTransaction(ctx))
			requireDelivered(t, p, len(ms))
		}
		assert.Equal(t, map[txnTarget]groupOffset{{testTopic, 0}: {20, ""}}, groupOffsets(t, c, "group-"+id))

		for _, txid := range reqs.produceTxnIDs() {
			require.Equal(t, id, txid, "every Produce request names the transactional id")
		}
		produce, endTxn := reqs.of(kmsg.Produce), reqs.of(kmsg.EndTxn)
		require.NotEmpty(t, produce)
		require.Len(t, endTxn, 2, "one EndTxn per transaction")
		t.Logf("versions: Produce %v, EndTxn %v, AddPartitionsToTxn %v, AddOffsetsToTxn %v, TxnOffsetCommit %v, InitProducerID %v",
			produce, endTxn, reqs.of(kmsg.AddPartitionsToTxn), reqs.of(kmsg.AddOffsetsToTxn), reqs.of(kmsg.TxnOffsetCommit), reqs.of(kmsg.InitProducerID))
		if proto.v2 {
			assert.Empty(t, reqs.of(kmsg.AddPartitionsToTxn), "KIP-890: Produce adds the partitions")
			for _, v := range produce {
				assert.GreaterOrEqual(t, v, int16(12), "KIP-890 Produce version")
			}
			for _, v := range endTxn {
				assert.GreaterOrEqual(t, v, int16(5), "KIP-890 EndTxn version")
			}
			for _, v := range reqs.of(kmsg.TxnOffsetCommit) {
				assert.GreaterOrEqual(t, v, int16(5), "KIP-890 TxnOffsetCommit version")
			}
			return
		}
		assert.NotEmpty(t, reqs.of(kmsg.AddPartitionsToTxn), "v1: partitions are added with AddPartitionsToTxn")
		assert.Len(t, reqs.of(kmsg.AddOffsetsToTxn), 2, "v1: the group is added with AddOffsetsToTxn, once per transaction")
		for _, v := range produce {
			assert.LessOrEqual(t, v, int16(11), "v1 Produce version: v12 adds partitions implicitly")
		}
		for _, v := range endTxn {
			assert.LessOrEqual(t, v, int16(4), "v1 EndTxn version: v5 bumps the epoch")
		}
		for _, v := range reqs.of(kmsg.TxnOffsetCommit) {
			assert.LessOrEqual(t, v, int16(4), "v1 TxnOffsetCommit version")
		}
	})
}

func TestTxnAbortPurgesWhatIsStillQueued(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		// A linger longer than the test: nothing is sent until a commit flushes.
		p := newTxnProducer(t, c, txnConf(t, producer.ConfigMap{"linger.ms": 30000}))
		ctx := testCtx(t, 30*time.Second)
		require.NoError(t, p.BeginTransaction())
		queued := produceTxn(t, p, "queued", 10, nil)
		require.NoError(t, p.AbortTransaction(ctx))
		for _, m := range pollReports(t, p, len(queued), 10*time.Second) {
			require.ErrorIs(t, m.Err, producer.ErrPurgeQueue, "report of %s", m.Value)
			require.Equal(t, producer.NotPersisted, m.Status)
		}
		require.NoError(t, p.BeginTransaction())
		ms := produceTxn(t, p, "kept", 9, nil)
		require.NoError(t, p.CommitTransaction(ctx))
		requireDelivered(t, p, len(ms))
		requireLogHolds(t, readLog(t, c, true, len(ms)), ms)
		requireLogHolds(t, readLog(t, c, false, len(ms)), ms) // the purged were never written
	})
}

func TestTxnOffsetsAreCommittedExactlyWhenTheTransactionCommits(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		p := newTxnProducer(t, c, txnConf(t, nil))
		ctx := testCtx(t, 30*time.Second)
		group := "group-" + txnIDFor(t)
		meta, err := producer.NewTestConsumerGroupMetadata(group)
		require.NoError(t, err)
		md := "consumed up to 4"
		require.Empty(t, groupOffsets(t, c, group))

		require.NoError(t, p.BeginTransaction())
		ms := produceTxn(t, p, "first", 4, nil)
		require.NoError(t, p.SendOffsetsToTransaction(ctx, []producer.TopicPartition{
			{Topic: testTopic, Partition: 0, Offset: 5, Metadata: &md},
			{Topic: ledgerTopic, Partition: 1, Offset: 7},
		}, meta))
		require.Empty(t, groupOffsets(t, c, group), "offsets committed before the transaction")
		require.NoError(t, p.CommitTransaction(ctx))
		requireDelivered(t, p, len(ms))
		first := map[txnTarget]groupOffset{{testTopic, 0}: {5, md}, {ledgerTopic, 1}: {7, ""}}
		require.Equal(t, first, groupOffsets(t, c, group), "offsets after the commit")

		// Offsets alone, aborted: nothing changes.
		require.NoError(t, p.BeginTransaction())
		require.NoError(t, p.SendOffsetsToTransaction(ctx, []producer.TopicPartition{
			{Topic: testTopic, Partition: 0, Offset: 9}, {Topic: testTopic, Partition: 3, Offset: 2},
		}, meta))
		require.NoError(t, p.AbortTransaction(ctx))
		require.Equal(t, first, groupOffsets(t, c, group), "offsets after an aborted transaction")

		// Offsets below 0 are left out.
		require.NoError(t, p.BeginTransaction())
		ms = produceTxn(t, p, "third", 3, nil)
		require.NoError(t, p.SendOffsetsToTransaction(ctx, []producer.TopicPartition{
			{Topic: testTopic, Partition: 0, Offset: 11}, {Topic: testTopic, Partition: 2, Offset: -1},
		}, meta))
		require.NoError(t, p.CommitTransaction(ctx))
		requireDelivered(t, p, len(ms))
		require.Equal(t, map[txnTarget]groupOffset{{testTopic, 0}: {11, ""}, {ledgerTopic, 1}: {7, ""}},
			groupOffsets(t, c, group), "offsets after the second commit")
	})
}

func TestTxnASecondProducerWithTheSameIDFencesTheFirst(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		conf := txnConf(t, nil)
		ctx := testCtx(t, 30*time.Second)
		first := newTxnProducer(t, c, conf)
		require.NoError(t, first.BeginTransaction())
		before := produceTxn(t, first, "before", 3, []txnTarget{{testTopic, 0}})
		require.Zero(t, first.Flush(15*time.Second))
		requireDelivered(t, first, len(before))

		second := newOtherTxnProducer(t, c, conf) // fences first, aborting its transaction

		// The first's next request is refused: v1 by AddPartitionsToTxn
		// (a partition new to the transaction), v2 by Produce.
		after := produceTxn(t, first, "after", 2, []txnTarget{{ledgerTopic, 2}})
		err := first.CommitTransaction(ctx)
		requireTxnError(t, err, producer.ErrFenced, true, false, false)
		requireTxnError(t, first.FatalError(), producer.ErrFenced, true, false, false)
		for _, m := range pollReports(t, first, len(after), 15*time.Second) {
			require.Error(t, m.Err, "a message produced after the fencing was delivered: %s", m.Value)
			require.Equal(t, producer.NotPersisted, m.Status, "status of %s", m.Value)
		}
		require.ErrorIs(t, first.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil), producer.ErrFatal)
		requireTxnError(t, first.BeginTransaction(), producer.ErrFenced, true, false, false)
		requireTxnError(t, first.AbortTransaction(ctx), producer.ErrFenced, true, false, false)

		require.NoError(t, second.BeginTransaction())
		ms := produceTxn(t, second, "second", 4, []txnTarget{{testTopic, 0}, {ledgerTopic, 2}})
		require.NoError(t, second.CommitTransaction(ctx))
		requireDelivered(t, second, len(ms))
		requireLogHolds(t, readCommittedUntil(t, c, ms), ms)
		requireLogHolds(t, readLog(t, c, false, len(before)+len(ms)), append(slices.Clone(before), ms...))
	})
}

func TestTxnAFencedProducersNextCommitIsFatal(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		conf := txnConf(t, nil)
		ctx := testCtx(t, 30*time.Second)
		first := newTxnProducer(t, c, conf)
		require.NoError(t, first.BeginTransaction())
		before := produceTxn(t, first, "before", 4, nil)
		require.Zero(t, first.Flush(15*time.Second))
		requireDelivered(t, first, len(before))
		newOtherTxnProducer(t, c, conf) // fences first, aborting its transaction

		// Nothing new to send: the commit's EndTxn carries the old epoch.
		// v1: PRODUCER_FENCED. v2: kfake takes an EndTxn one epoch behind
		// for a retry of the transaction's end, and the fencing aborted
		// it, so it answers INVALID_TXN_STATE. librdkafka makes both fatal.
		code := producer.ErrFenced
		if proto.v2 {
			code = producer.ErrInvalidTxnState
		}
		requireTxnError(t, first.CommitTransaction(ctx), code, true, false, false)
		requireTxnError(t, first.FatalError(), code, true, false, false)
		requireLogHolds(t, readLog(t, c, false, len(before)), before)
		requireLogHolds(t, readLog(t, c, true, 0), nil)
	})
}

func TestTxnTheBrokerAbortsATransactionThatOutlivesItsTimeout(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		id := txnIDFor(t)
		p := newTxnProducer(t, c, txnConf(t, producer.ConfigMap{"transaction.timeout.ms": 1000}))
		ctx := testCtx(t, 30*time.Second)
		start := describeTxn(t, c, id)
		require.NoError(t, p.BeginTransaction())
		ms := produceTxn(t, p, "late", 3, nil)
		require.Zero(t, p.Flush(15*time.Second))
		requireDelivered(t, p, len(ms))
		require.Equal(t, "Ongoing", describeTxn(t, c, id).state)

		// The coordinator aborts the transaction and bumps the epoch.
		waitFor(t, 15*time.Second, "the coordinator to abort the transaction", func() bool {
			st := describeTxn(t, c, id)
			return st.state == "Empty" && st.epoch > start.epoch
		})

		// The broker refuses the commit with the old epoch: v1 with
		// PRODUCER_FENCED, v2 (kfake taking the EndTxn for a retry of an
		// abort) with INVALID_TXN_STATE. librdkafka makes both fatal.
		code := producer.ErrFenced
		if proto.v2 {
			code = producer.ErrInvalidTxnState
		}
		requireTxnError(t, p.CommitTransaction(ctx), code, true, false, false)
		requireTxnError(t, p.FatalError(), code, true, false, false)

		other := newOtherTxnProducer(t, c, producer.ConfigMap{"transactional.id": id + "-other", "linger.ms": 1})
		require.NoError(t, other.BeginTransaction())
		sentinels := produceTxn(t, other, "sentinel", len(txnTargets), nil)
		require.NoError(t, other.CommitTransaction(ctx))
		requireDelivered(t, other, len(sentinels))
		requireLogHolds(t, readCommittedUntil(t, c, sentinels), sentinels)
		require.Len(t, readLog(t, c, false, len(ms)+len(sentinels)), len(ms)+len(sentinels))
	})
}

func TestTxnCallsOutOfOrderFailWithState(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		p := newProducer(t, c, txnConf(t, nil))
		ctx := testCtx(t, 30*time.Second)
		meta, err := producer.NewTestConsumerGroupMetadata("group-" + txnIDFor(t))
		require.NoError(t, err)
		offsets := []producer.TopicPartition{{Topic: testTopic, Partition: 0, Offset: 1}}
		produce := func() error {
			return p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("x")}, nil)
		}
		notInTxn := func(when string) {
			t.Helper()
			requireTxnError(t, produce(), producer.ErrState, false, false, false)
			requireTxnError(t, p.CommitTransaction(ctx), producer.ErrState, false, false, false)
			requireTxnError(t, p.AbortTransaction(ctx), producer.ErrState, false, false, false)
			requireTxnError(t, p.SendOffsetsToTransaction(ctx, offsets, meta), producer.ErrState, false, false, false)
			require.Zero(t, p.Len(), "%s: a refused message is not held", when)
		}

		notInTxn("before InitTransactions")
		requireTxnError(t, p.BeginTransaction(), producer.ErrState, false, false, false)
		require.NoError(t, p.InitTransactions(ctx))
		requireTxnError(t, p.InitTransactions(ctx), producer.ErrState, false, false, false)
		notInTxn("after InitTransactions")

		require.NoError(t, p.BeginTransaction())
		requireTxnError(t, p.BeginTransaction(), producer.ErrState, false, false, false)
		require.NoError(t, produce())
		require.NoError(t, p.CommitTransaction(ctx))
		m := requireDelivered(t, p, 1)
		notInTxn("after a commit")

		require.NoError(t, p.FatalError(), "state errors are not fatal")
		require.NoError(t, p.BeginTransaction())
		ms := produceTxn(t, p, "after", 2, nil)
		require.NoError(t, p.CommitTransaction(ctx))
		requireDelivered(t, p, len(ms))
		requireLogHolds(t, readLog(t, c, true, 3), append(m, ms...))
	})
}

func TestTxnNonTransactionalProducerRefusesTheTransactionalAPI(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true})
	ctx := testCtx(t, 10*time.Second)
	meta, err := producer.NewTestConsumerGroupMetadata("g")
	require.NoError(t, err)
	for name, err := range map[string]error{
		"InitTransactions":         p.InitTransactions(ctx),
		"BeginTransaction":         p.BeginTransaction(),
		"SendOffsetsToTransaction": p.SendOffsetsToTransaction(ctx, nil, meta),
		"CommitTransaction":        p.CommitTransaction(ctx),
		"AbortTransaction":         p.AbortTransaction(ctx),
	} {
		require.ErrorIs(t, err, producer.ErrNotConfigured, name)
	}
	require.NoError(t, p.ProduceSync(ctx, &producer.Message{Topic: testTopic, Partition: 0, Value: []byte("x")}))
}

func TestTxnCloseAbortsAnOpenTransaction(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		id := txnIDFor(t)
		ctx := testCtx(t, 30*time.Second)
		p := newTxnProducer(t, c, txnConf(t, nil))
		require.NoError(t, p.BeginTransaction())
		ms := produceTxn(t, p, "open", 5, nil)
		require.Zero(t, p.Flush(15*time.Second))
		requireDelivered(t, p, len(ms))
		require.Equal(t, "Ongoing", describeTxn(t, c, id).state)

		p.Close()
		// transaction.timeout.ms is 60 s: only Close can have ended it this soon.
		waitFor(t, 10*time.Second, "the transaction to be aborted", func() bool {
			return describeTxn(t, c, id).state == "Empty"
		})

		other := newTxnProducer(t, c, producer.ConfigMap{"transactional.id": id + "-other", "linger.ms": 1})
		require.NoError(t, other.BeginTransaction())
		sentinels := produceTxn(t, other, "sentinel", len(txnTargets), nil)
		require.NoError(t, other.CommitTransaction(ctx))
		requireDelivered(t, other, len(sentinels))
		requireLogHolds(t, readCommittedUntil(t, c, sentinels), sentinels)
		requireLogHolds(t, readLog(t, c, false, len(ms)+len(sentinels)), append(slices.Clone(ms), sentinels...))
	})
}
