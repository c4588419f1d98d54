package producer_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// txnCall is a call of the transactional API.
type txnCall int

const (
	callInit        txnCall = iota // InitTransactions
	callSendOffsets                // SendOffsetsToTransaction
	callCommit                     // CommitTransaction (which flushes first)
)

func (c txnCall) String() string {
	return [...]string{"InitTransactions", "SendOffsetsToTransaction", "CommitTransaction"}[c]
}

// txnRequest is a request of the transaction protocol, as the fault tests
// see it: which call waits for it, and how to select it in kfake.
type txnRequest struct {
	name   string
	key    kmsg.Key
	call   txnCall // the call that waits for its answer
	v1Only bool    // KIP-890 producers do not send it
	// async: the producer sends it in the background as soon as the
	// transaction's first message is produced, so its answer can reach
	// the application at any call from there to call (a refused Produce,
	// then SendOffsetsToTransaction), not only at call.
	async bool
	// is reports whether r, of key, is this test's request of this kind.
	is func(r kmsg.Request, f *txnFixture) bool
	// fault selects the test's requests of this kind.
	fault func(f *txnFixture, err *kerr.Error, count int) kfake.Fault
}

// findsCoordinator matches FindCoordinator requests for key of type typ
// (0 a group, 1 a transaction).
func findsCoordinator(r kmsg.Request, typ int8, key string) bool {
	req := r.(*kmsg.FindCoordinatorRequest)
	return req.CoordinatorType == typ && (req.CoordinatorKey == key || slices.Contains(req.CoordinatorKeys, key))
}

// byTxnID is a fault on key for the fixture's transactional id.
func byTxnID(key kmsg.Key) func(f *txnFixture, err *kerr.Error, count int) kfake.Fault {
	return func(f *txnFixture, err *kerr.Error, count int) kfake.Fault {
		return kfake.Fault{Keys: []kmsg.Key{key}, TxnID: f.id, Err: err, Count: count}
	}
}

// byGroup is a fault on key for the fixture's group.
func byGroup(key kmsg.Key) func(f *txnFixture, err *kerr.Error, count int) kfake.Fault {
	return func(f *txnFixture, err *kerr.Error, count int) kfake.Fault {
		return kfake.Fault{Keys: []kmsg.Key{key}, Group: f.group, Err: err, Count: count}
	}
}

var (
	reqFindTxnCoordinator = txnRequest{
		name: "FindCoordinator for the transaction", key: kmsg.FindCoordinator, call: callInit,
		is:    func(r kmsg.Request, f *txnFixture) bool { return findsCoordinator(r, 1, f.id) },
		fault: byTxnID(kmsg.FindCoordinator),
	}
	reqInitProducerID = txnRequest{
		name: "InitProducerId", key: kmsg.InitProducerID, call: callInit,
		is: func(r kmsg.Request, f *txnFixture) bool {
			id := r.(*kmsg.InitProducerIDRequest).TransactionalID
			return id != nil && *id == f.id
		},
		fault: byTxnID(kmsg.InitProducerID),
	}
	reqAddPartitions = txnRequest{
		name: "AddPartitionsToTxn", key: kmsg.AddPartitionsToTxn, call: callCommit, v1Only: true, async: true,
		is: func(r kmsg.Request, f *txnFixture) bool {
			return r.(*kmsg.AddPartitionsToTxnRequest).TransactionalID == f.id
		},
		fault: byTxnID(kmsg.AddPartitionsToTxn),
	}
	reqFindGroupCoordinator = txnRequest{
		name: "FindCoordinator for the group", key: kmsg.FindCoordinator, call: callSendOffsets,
		is:    func(r kmsg.Request, f *txnFixture) bool { return findsCoordinator(r, 0, f.group) },
		fault: byGroup(kmsg.FindCoordinator),
	}
	reqAddOffsets = txnRequest{
		name: "AddOffsetsToTxn", key: kmsg.AddOffsetsToTxn, call: callSendOffsets, v1Only: true,
		is: func(r kmsg.Request, f *txnFixture) bool {
			return r.(*kmsg.AddOffsetsToTxnRequest).TransactionalID == f.id
		},
		fault: byTxnID(kmsg.AddOffsetsToTxn),
	}
	reqTxnOffsetCommit = txnRequest{
		name: "TxnOffsetCommit", key: kmsg.TxnOffsetCommit, call: callSendOffsets,
		is:    func(r kmsg.Request, f *txnFixture) bool { return r.(*kmsg.TxnOffsetCommitRequest).Group == f.group },
		fault: byGroup(kmsg.TxnOffsetCommit),
	}
	reqEndTxn = txnRequest{
		name: "EndTxn", key: kmsg.EndTxn, call: callCommit,
		is:    func(r kmsg.Request, f *txnFixture) bool { return r.(*kmsg.EndTxnRequest).TransactionalID == f.id },
		fault: byTxnID(kmsg.EndTxn),
	}
	reqProduce = txnRequest{
		name: "Produce", key: kmsg.Produce, call: callCommit, async: true,
		is: func(r kmsg.Request, f *txnFixture) bool {
			id := r.(*kmsg.ProduceRequest).TransactionID
			return id != nil && *id == f.id
		},
		fault: func(f *txnFixture, err *kerr.Error, count int) kfake.Fault {
			return kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Partitions: []int32{0}, Err: err, Count: count}
		},
	}
)

// txnRequests is every request of the transaction protocol.
var txnRequests = []txnRequest{reqFindTxnCoordinator, reqInitProducerID, reqAddPartitions,
	reqFindGroupCoordinator, reqAddOffsets, reqTxnOffsetCommit, reqEndTxn}

// txnFixture is a transactional producer (not yet initialised) and the
// consumer group whose offsets its transactions carry, with what it
// committed so far.
type txnFixture struct {
	c     *kfake.Cluster
	p     *producer.Producer
	id    string
	group string
	meta  *producer.ConsumerGroupMetadata

	txns      int                 // transactions run
	committed []*producer.Message // the messages of committed transactions
	offset    int64               // the last offset committed for testTopic[0], -1 for none
}

// faultConf makes a lost response cost 1.5 s (socket.timeout.ms) rather
// than the 60 s transaction.timeout.ms derives.
var faultConf = producer.ConfigMap{"socket.timeout.ms": 1000, "retry.backoff.ms": 20}

func newTxnFixture(t testing.TB, c *kfake.Cluster, extra producer.ConfigMap) *txnFixture {
	t.Helper()
	conf := txnConf(t, faultConf)
	for k, v := range extra {
		conf[k] = v
	}
	f := &txnFixture{c: c, id: txnIDFor(t), group: "group-" + txnIDFor(t), offset: -1}
	f.p = newProducer(t, c, conf)
	var err error
	f.meta, err = producer.NewTestConsumerGroupMetadata(f.group)
	require.NoError(t, err)
	return f
}

// txnMessages is how many messages a fixture transaction produces: one
// per partition of both topics.
var txnMessages = len(txnTargets)

// run runs one transaction: InitTransactions first when init, then
// BeginTransaction, txnMessages messages, SendOffsetsToTransaction and
// CommitTransaction, each given 15 s. The call that waits for target's
// answer is made by at instead (when at is not nil), which returns whether
// the transaction goes on; if not, run returns false with the messages
// produced, and the caller decides what to do with the transaction. When
// target is async and an earlier call fails, that call's error is the
// answer: at is given a call returning it.
func (f *txnFixture) run(t testing.TB, init bool, target txnRequest, at func(call func(context.Context) error) bool) (bool, []*producer.Message) {
	t.Helper()
	f.txns++
	offset := int64(100 * f.txns)
	calls := map[txnCall]func(context.Context) error{
		callInit: f.p.InitTransactions,
		callSendOffsets: func(ctx context.Context) error {
			return f.p.SendOffsetsToTransaction(ctx, []producer.TopicPartition{{Topic: testTopic, Partition: 0, Offset: offset}}, f.meta)
		},
		callCommit: f.p.CommitTransaction,
	}
	do := func(call txnCall) bool {
		if at != nil && call == target.call {
			return at(calls[call])
		}
		err := calls[call](testCtx(t, 15*time.Second))
		if err != nil && at != nil && target.async {
			return at(func(context.Context) error { return err })
		}
		require.NoError(t, err, "%v", call)
		return true
	}
	if init && !do(callInit) {
		return false, nil
	}
	require.NoError(t, f.p.BeginTransaction())
	ms := f.produce(t, fmt.Sprintf("txn%d", f.txns))
	if !do(callSendOffsets) || !do(callCommit) {
		return false, ms
	}
	requireDelivered(t, f.p, len(ms))
	f.committed = append(f.committed, ms...)
	f.offset = offset
	return true, ms
}

// produce produces txnMessages messages as produceTxn does, but stops at
// the first refusal, which must be ErrState with TxnRequiresAbort or
// ErrFatal: an answer that makes the transaction abortable, or raises a
// fatal error, can come while it produces. It returns the messages
// accepted.
func (f *txnFixture) produce(t testing.TB, label string) []*producer.Message {
	t.Helper()
	ms := make([]*producer.Message, 0, txnMessages)
	for i, tg := range txnTargets {
		m := &producer.Message{Topic: tg.topic, Partition: tg.partition, Key: keyFor(i),
			Value: []byte(fmt.Sprintf("%s-%d", label, i)), Opaque: label}
		if err := f.p.Produce(m, nil); err != nil {
			if !errors.Is(err, producer.ErrFatal) {
				requireTxnError(t, err, producer.ErrState, false, true, false)
			}
			break
		}
		ms = append(ms, m)
	}
	return ms
}

// commitOne runs a transaction that must commit.
func (f *txnFixture) commitOne(t testing.TB, init bool) {
	t.Helper()
	committed, _ := f.run(t, init, txnRequest{}, nil)
	require.True(t, committed, "transaction %d committed", f.txns)
}

// abort aborts the transaction run left open and takes the reports of its
// messages, whatever their fate.
func (f *txnFixture) abort(t testing.TB, ms []*producer.Message) {
	t.Helper()
	require.NoError(t, f.p.AbortTransaction(testCtx(t, 15*time.Second)), "AbortTransaction")
	pollReports(t, f.p, len(ms), 15*time.Second)
}

// verify checks the log at read_committed holds exactly the committed
// transactions' messages, and the group the last committed offset.
func (f *txnFixture) verify(t testing.TB) {
	t.Helper()
	requireNoMoreReports(t, f.p)
	require.NoError(t, f.p.FatalError())
	requireLogHolds(t, readLog(t, f.c, true, len(f.committed)), f.committed)
	want := map[txnTarget]groupOffset{}
	if f.offset >= 0 {
		want[txnTarget{testTopic, 0}] = groupOffset{f.offset, ""}
	}
	require.Equal(t, want, groupOffsets(t, f.c, f.group), "the group's committed offsets")
}

// countRequests counts the requests of rq the cluster receives for f.
func countRequests(c *kfake.Cluster, rq txnRequest, f *txnFixture) func() int {
	var n atomic.Int32
	c.ControlKey(rq.key.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		if rq.is(r, f) {
			n.Add(1)
		}
		return nil, nil, false
	})
	return func() int { return int(n.Load()) }
}

// interceptFirst makes kfake answer the first request of rq for f late or
// never: held, it is answered once release is called (or the test ends);
// dropped, it is never answered. taken is closed once it came.
func interceptFirst(t testing.TB, c *kfake.Cluster, rq txnRequest, f *txnFixture, drop bool) (taken <-chan struct{}, release func()) {
	var first atomic.Bool
	came, released := make(chan struct{}), make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(released) }) }
	t.Cleanup(release)
	c.ControlKey(rq.key.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		if !rq.is(r, f) || !first.CompareAndSwap(false, true) {
			return nil, nil, false
		}
		close(came)
		if drop {
			return nil, nil, true // no answer: the producer's request times out
		}
		c.SleepControl(func() { <-released })
		return nil, nil, false // then answered as usual
	})
	return came, release
}

// holdAll makes kfake hold every request of rq for f until release is
// called (or the test ends); held counts those it held.
func holdAll(t testing.TB, c *kfake.Cluster, rq txnRequest, f *txnFixture) (held func() int, release func()) {
	var n atomic.Int32
	released := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(released) }) }
	t.Cleanup(release)
	c.ControlKey(rq.key.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		select {
		case <-released:
			return nil, nil, false
		default:
		}
		if rq.is(r, f) {
			n.Add(1)
			c.SleepControl(func() { <-released })
		}
		return nil, nil, false
	})
	return func() int { return int(n.Load()) }, release
}
