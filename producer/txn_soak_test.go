package producer_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// txnSoakScale multiplies the length of the transaction soak: the default
// keeps it to a few seconds for CI; -txn.soak=N (or KPROD_TXN_SOAK=N) runs
// N times as many transactions.
var txnSoakScale = flag.Int("txn.soak", 0, "multiply the transaction soak's length (also KPROD_TXN_SOAK)")

func txnSoakTransactions(t *testing.T) int {
	scale := *txnSoakScale
	if scale == 0 {
		scale = 1
		if s := os.Getenv("KPROD_TXN_SOAK"); s != "" {
			n, err := strconv.Atoi(s)
			require.NoError(t, err, "KPROD_TXN_SOAK")
			scale = n
		}
	}
	return 40 * max(scale, 1)
}

// txnSoakSeed is the soak's random seed: KPROD_SOAK_SEED replays a run.
func txnSoakSeed(t *testing.T) uint64 {
	if s := os.Getenv("KPROD_SOAK_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "KPROD_SOAK_SEED")
		return seed
	}
	return uint64(time.Now().UnixNano())
}

func TestTxnSoakHalfAbortedWithFaults(t *testing.T) {
	txns := txnSoakTransactions(t)
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		seed := txnSoakSeed(t)
		t.Logf("seed %d (replay with KPROD_SOAK_SEED), %d transactions", seed, txns)
		rng := rand.New(rand.NewPCG(seed, 17))
		c := newTxnCluster(t, proto)
		// Several batches per partition; a lost response costs 1 s.
		f := newTxnFixture(t, c, producer.ConfigMap{"batch.num.messages": 5, "socket.timeout.ms": 1000})
		require.NoError(t, f.p.InitTransactions(testCtx(t, 15*time.Second)))

		// Faults that librdkafka rides out without failing the
		// transaction; each is injected before a transaction at random.
		type soakFault struct {
			name   string
			v1Only bool
			inject func()
		}
		faults := []soakFault{
			{name: "Produce NOT_LEADER_OR_FOLLOWER x2", inject: func() {
				c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: testTopic, Err: kerr.NotLeaderForPartition, Count: 2})
			}},
			{name: "Produce REQUEST_TIMED_OUT after append x2", inject: func() {
				c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: ledgerTopic, Err: kerr.RequestTimedOut, Count: 2})
			}},
			{name: "EndTxn CONCURRENT_TRANSACTIONS", inject: func() { c.Fault(reqEndTxn.fault(f, kerr.ConcurrentTransactions, 1)) }},
			{name: "EndTxn NOT_COORDINATOR", inject: func() { c.Fault(reqEndTxn.fault(f, kerr.NotCoordinator, 1)) }},
			{name: "EndTxn COORDINATOR_NOT_AVAILABLE", inject: func() { c.Fault(reqEndTxn.fault(f, kerr.CoordinatorNotAvailable, 1)) }},
			{name: "TxnOffsetCommit COORDINATOR_NOT_AVAILABLE", inject: func() {
				c.Fault(reqTxnOffsetCommit.fault(f, kerr.CoordinatorNotAvailable, 1))
			}},
			{name: "AddPartitionsToTxn CONCURRENT_TRANSACTIONS", v1Only: true, inject: func() {
				c.Fault(reqAddPartitions.fault(f, kerr.ConcurrentTransactions, 1))
			}},
			{name: "AddOffsetsToTxn NOT_COORDINATOR", v1Only: true, inject: func() {
				c.Fault(reqAddOffsets.fault(f, kerr.NotCoordinator, 1))
			}},
			{name: "leaders moved", inject: c.ShufflePartitionLeaders},
			{name: "coordinators moved", inject: c.RehashCoordinators},
			{name: "a Produce response lost (socket.timeout.ms)", inject: func() { interceptFirst(t, c, reqProduce, f, true) }},
		}
		faults = slices.DeleteFunc(faults, func(sf soakFault) bool { return sf.v1Only && proto.v2 })

		var committed []*producer.Message
		injected := map[string]int{}
		aborted, lateCommits := 0, 0
		for i := range txns {
			commit := rng.IntN(2) == 0
			if rng.IntN(2) == 0 {
				sf := faults[rng.IntN(len(faults))]
				sf.inject()
				injected[sf.name]++
			}
			require.NoError(t, f.p.BeginTransaction(), "txn %d", i)
			n := 1 + rng.IntN(40)
			ms := make([]*producer.Message, 0, n)
			for j := range n {
				tg := txnTargets[rng.IntN(len(txnTargets))]
				m := &producer.Message{Topic: tg.topic, Partition: tg.partition, Value: []byte(fmt.Sprintf("txn%d-%d", i, j))}
				require.NoError(t, f.p.Produce(m, nil))
				ms = append(ms, m)
			}
			if rng.IntN(3) == 0 {
				require.NoError(t, f.p.SendOffsetsToTransaction(testCtx(t, 15*time.Second),
					[]producer.TopicPartition{{Topic: testTopic, Partition: 0, Offset: int64(i + 1)}}, f.meta), "txn %d: SendOffsetsToTransaction", i)
				if commit {
					f.offset = int64(i + 1)
				}
			}
			if !commit {
				require.NoError(t, f.p.AbortTransaction(testCtx(t, 15*time.Second)), "txn %d: AbortTransaction", i)
				pollReports(t, f.p, n, 15*time.Second) // delivered or purged: each once
				aborted++
				continue
			}
			if rng.IntN(8) == 0 { // a commit whose EndTxn answer comes after the call gave up
				lateCommits++
				taken, release := interceptFirst(t, c, reqEndTxn, f, false)
				require.Zero(t, f.p.Flush(15*time.Second), "txn %d: flush", i) // so that the 500 ms are EndTxn's alone
				err := f.p.CommitTransaction(testCtx(t, 500*time.Millisecond))
				select {
				case <-taken:
				default:
					t.Fatalf("txn %d: CommitTransaction returned %v before sending EndTxn", i, err)
				}
				requireTxnError(t, err, producer.ErrTimedOut, false, false, true)
				release()
			}
			require.NoError(t, f.p.CommitTransaction(testCtx(t, 15*time.Second)), "txn %d: CommitTransaction", i)
			requireDelivered(t, f.p, n)
			committed = append(committed, ms...)
		}
		t.Logf("%d transactions, %d aborted, %d commits answered late; faults %v", txns, aborted, lateCommits, injected)
		f.committed = committed
		f.verify(t)
	})
}
