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
