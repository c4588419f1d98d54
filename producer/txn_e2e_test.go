package producer_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"
)

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

func TestTxnAnEmptyTransactionEndsWithoutTheCoordinator(t *testing.T) {
	// librdkafka: "No partitions registered: not sending EndTxn".
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		p := newTxnProducer(t, c, txnConf(t, nil))
		reqs := logRequests(c)
		ctx := testCtx(t, 15*time.Second)
		require.NoError(t, p.BeginTransaction())
		require.NoError(t, p.CommitTransaction(ctx))
		require.NoError(t, p.BeginTransaction())
		require.NoError(t, p.AbortTransaction(ctx))
		meta, err := producer.NewTestConsumerGroupMetadata("group-" + txnIDFor(t))
		require.NoError(t, err)
		require.NoError(t, p.BeginTransaction())
		require.NoError(t, p.SendOffsetsToTransaction(ctx, []producer.TopicPartition{{Topic: testTopic, Partition: 0, Offset: -1}}, meta),
			"offsets below 0 only: nothing to send")
		require.NoError(t, p.CommitTransaction(ctx))
		for _, k := range []kmsg.Key{kmsg.EndTxn, kmsg.AddPartitionsToTxn, kmsg.AddOffsetsToTxn, kmsg.TxnOffsetCommit, kmsg.Produce} {
			require.Empty(t, reqs.of(k), "%s requests", kmsg.NameForKey(k.Int16()))
		}
		require.Equal(t, "Empty", describeTxn(t, c, txnIDFor(t)).state)
	})
}
