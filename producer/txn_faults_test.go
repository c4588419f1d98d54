package producer_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// retriableCodes are the answers librdkafka retries on every
// transactional request: the coordinator moving or loading, or busy
// finishing the previous transaction.
var retriableCodes = []*kerr.Error{kerr.CoordinatorNotAvailable, kerr.NotCoordinator,
	kerr.CoordinatorLoadInProgress, kerr.ConcurrentTransactions}

func TestTxnRetriableAnswersToTransactionalRequestsAreRetried(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		for _, rq := range txnRequests {
			if rq.v1Only && proto.v2 {
				continue // not sent by a KIP-890 producer: TestTxnProtocolFollowsTheBroker checks it is not
			}
			for _, code := range retriableCodes {
				t.Run(fmt.Sprintf("%s answered %s twice", rq.name, code.Message), func(t *testing.T) {
					c := newTxnCluster(t, proto)
					f := newTxnFixture(t, c, nil)
					seen := countRequests(c, rq, f)
					h := c.Fault(rq.fault(f, code, 2))
					f.commitOne(t, true)
					require.Equal(t, 2, h.Hits(), "faulted answers given")
					require.GreaterOrEqual(t, seen(), 3, "requests: two refused, then one answered")
					f.commitOne(t, false) // the producer goes on
					f.verify(t)
				})
			}
		}
	})
}

func TestTxnALateOrLostResponseTimesTheCallOutAndCallingAgainCompletes(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		for _, rq := range append(slices.Clone(txnRequests), reqProduce) {
			if rq.v1Only && proto.v2 {
				continue
			}
			for _, drop := range []bool{false, true} {
				what := "answered late"
				if drop {
					what = "never answered"
				}
				// Every call that times out is retriable and resumes when
				// called again. (librdkafka itself bounds TxnOffsetCommit and
				// the group's FindCoordinator by what is left of
				// SendOffsetsToTransaction's timeout and makes their timeout
				// abortable; the issue asks for a retriable timeout here.)
				t.Run(fmt.Sprintf("%s %s: %v times out, then completes", rq.name, what, rq.call), func(t *testing.T) {
					c := newTxnCluster(t, proto)
					f := newTxnFixture(t, c, nil)
					taken, release := interceptFirst(t, c, rq, f, drop)
					committed, _ := f.run(t, true, rq, func(call func(context.Context) error) bool {
						err := call(testCtx(t, 500*time.Millisecond))
						select {
						case <-taken:
						default:
							t.Fatalf("%v returned %v before sending %s", rq.call, err, rq.name)
						}
						pe := requireTxnError(t, err, producer.ErrTimedOut, false, false, true)
						require.True(t, pe.IsTimeout(), "IsTimeout of %v", err)
						release()
						require.NoError(t, call(testCtx(t, 15*time.Second)), "%v called again", rq.call)
						return true
					})
					require.True(t, committed)
					f.commitOne(t, false) // the producer goes on
					f.verify(t)
				})
			}
		}
	})
}

func TestTxnFatalAndAbortableAnswers(t *testing.T) {
	cases := []struct {
		name   string
		rq     txnRequest
		err    *kerr.Error
		code   producer.ErrorCode // what the call returns
		fatal  bool               // else the transaction must be aborted
		v1Only bool
		bumps  bool // the abort bumps the epoch (KIP-360): checked under v1, where nothing else bumps it
	}{
		{name: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED on FindCoordinator is fatal", rq: reqFindTxnCoordinator,
			err: kerr.TransactionalIDAuthorizationFailed, code: producer.ErrTransactionalIDAuthorizationFailed, fatal: true},
		{name: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED on InitProducerId is fatal", rq: reqInitProducerID,
			err: kerr.TransactionalIDAuthorizationFailed, code: producer.ErrTransactionalIDAuthorizationFailed, fatal: true},
		{name: "INVALID_TRANSACTION_TIMEOUT on InitProducerId is fatal", rq: reqInitProducerID,
			err: kerr.InvalidTransactionTimeout, code: producer.ErrInvalidTransactionTimeout, fatal: true},
		{name: "PRODUCER_FENCED on AddPartitionsToTxn is fatal _FENCED", rq: reqAddPartitions, v1Only: true,
			err: kerr.ProducerFenced, code: producer.ErrFenced, fatal: true},
		{name: "TOPIC_AUTHORIZATION_FAILED on AddPartitionsToTxn requires an abort", rq: reqAddPartitions, v1Only: true,
			err: kerr.TopicAuthorizationFailed, code: producer.ErrTopicAuthorizationFailed},
		{name: "GROUP_AUTHORIZATION_FAILED on AddOffsetsToTxn requires an abort", rq: reqAddOffsets, v1Only: true,
			err: kerr.GroupAuthorizationFailed, code: producer.ErrGroupAuthorizationFailed},
		{name: "INVALID_PRODUCER_EPOCH on AddOffsetsToTxn is fatal _FENCED", rq: reqAddOffsets, v1Only: true,
			err: kerr.InvalidProducerEpoch, code: producer.ErrFenced, fatal: true},
		{name: "GROUP_AUTHORIZATION_FAILED on TxnOffsetCommit requires an abort", rq: reqTxnOffsetCommit,
			err: kerr.GroupAuthorizationFailed, code: producer.ErrGroupAuthorizationFailed},
		{name: "INVALID_PRODUCER_EPOCH on TxnOffsetCommit is fatal _FENCED", rq: reqTxnOffsetCommit,
			err: kerr.InvalidProducerEpoch, code: producer.ErrFenced, fatal: true},
		{name: "INVALID_PRODUCER_EPOCH on EndTxn is fatal _FENCED", rq: reqEndTxn,
			err: kerr.InvalidProducerEpoch, code: producer.ErrFenced, fatal: true},
		{name: "PRODUCER_FENCED on EndTxn is fatal _FENCED", rq: reqEndTxn,
			err: kerr.ProducerFenced, code: producer.ErrFenced, fatal: true},
		{name: "UNKNOWN_SERVER_ERROR on EndTxn(commit) requires an abort", rq: reqEndTxn,
			err: kerr.UnknownServerError, code: producer.ErrUnknown},
		{name: "INVALID_TXN_STATE on EndTxn is fatal", rq: reqEndTxn,
			err: kerr.InvalidTxnState, code: producer.ErrInvalidTxnState, fatal: true},
		{name: "a delivery failed with INVALID_RECORD requires an abort", rq: reqProduce,
			err: kerr.InvalidRecord, code: producer.ErrInvalidRecord},
		{name: "UNKNOWN_PRODUCER_ID on Produce requires an abort", rq: reqProduce,
			err: kerr.UnknownProducerID, code: producer.ErrUnknownProducerID, bumps: true},
		{name: "INVALID_PRODUCER_EPOCH on Produce is fatal _FENCED", rq: reqProduce,
			err: kerr.InvalidProducerEpoch, code: producer.ErrFenced, fatal: true},
	}
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		for _, tc := range cases {
			if tc.v1Only && proto.v2 {
				continue
			}
			t.Run(tc.name, func(t *testing.T) {
				c := newTxnCluster(t, proto)
				f := newTxnFixture(t, c, nil)
				var h *kfake.FaultHandle
				if tc.rq.call == callInit {
					h = c.Fault(tc.rq.fault(f, tc.err, 1))
				} else {
					f.commitOne(t, true) // a transaction before the fault
					h = c.Fault(tc.rq.fault(f, tc.err, 1))
				}
				var callErr error
				committed, ms := f.run(t, tc.rq.call == callInit, tc.rq, func(call func(context.Context) error) bool {
					callErr = call(testCtx(t, 15*time.Second))
					return false
				})
				require.False(t, committed)
				require.Equal(t, 1, h.Hits(), "faulted answers given")
				ctx := testCtx(t, 15*time.Second)
				if !tc.fatal {
					requireTxnError(t, callErr, tc.code, false, true, false)
					if tc.rq.call != callCommit {
						// The commit refuses too, with the same error.
						requireTxnError(t, f.p.CommitTransaction(ctx), tc.code, false, true, false)
					}
					f.abort(t, ms)
					f.commitOne(t, false) // the producer goes on
					f.verify(t)
					if tc.bumps && !proto.v2 {
						epochs := map[string]int16{}
						for _, r := range readLog(t, c, true, len(f.committed)) {
							epochs[string(r.Value[:4])] = r.ProducerEpoch
						}
						require.Greater(t, epochs["txn3"], epochs["txn1"], "the epoch after the abort, epochs %v", epochs)
					}
					return
				}
				requireTxnError(t, callErr, tc.code, true, false, false)
				requireTxnError(t, f.p.FatalError(), tc.code, true, false, false)
				requireTxnError(t, f.p.BeginTransaction(), tc.code, true, false, false)
				assert.ErrorIs(t, f.p.Produce(&producer.Message{Topic: testTopic, Partition: 0}, nil), producer.ErrFatal)
				if tc.rq.call == callInit {
					return
				}
				// A new instance fences the fatal one and aborts what it left open.
				next := newOtherTxnProducer(t, c, txnConf(t, nil))
				require.NoError(t, next.BeginTransaction())
				sentinels := produceTxn(t, next, "sentinel", len(txnTargets), nil)
				require.NoError(t, next.CommitTransaction(ctx))
				requireDelivered(t, next, len(sentinels))
				requireLogHolds(t, readCommittedUntil(t, c, sentinels), append(slices.Clone(f.committed), sentinels...))
			})
		}
	})
}

func TestTxnInitTransactionsWithoutADeadlineIsBoundedByTwiceTheTransactionTimeout(t *testing.T) {
	const txnTimeout = 1000 * time.Millisecond
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		f := newTxnFixture(t, c, producer.ConfigMap{"transaction.timeout.ms": int(txnTimeout.Milliseconds()), "socket.timeout.ms": 500})
		held, release := holdAll(t, c, reqFindTxnCoordinator, f)
		start := time.Now()
		err := f.p.InitTransactions(context.Background())
		took := time.Since(start)
		pe := requireTxnError(t, err, producer.ErrTimedOut, false, false, true)
		require.True(t, pe.IsTimeout())
		require.Positive(t, held(), "FindCoordinator requests held")
		require.GreaterOrEqual(t, took, 2*txnTimeout-100*time.Millisecond, "InitTransactions returned before 2 × transaction.timeout.ms")
		require.Less(t, took, 2*txnTimeout+3*time.Second, "InitTransactions without a deadline outlived 2 × transaction.timeout.ms")
		release()
		require.NoError(t, f.p.InitTransactions(testCtx(t, 15*time.Second)), "InitTransactions called again")
		f.commitOne(t, false)
		f.verify(t)
	})
}

func TestTxnAnAbortThatTimedOutCompletesWhenCalledAgain(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		f := newTxnFixture(t, c, nil)
		require.NoError(t, f.p.InitTransactions(testCtx(t, 15*time.Second)))
		require.NoError(t, f.p.BeginTransaction())
		ms := f.produce(t, "aborted")
		require.Zero(t, f.p.Flush(15*time.Second))
		requireDelivered(t, f.p, len(ms))
		taken, release := interceptFirst(t, c, reqEndTxn, f, false)
		err := f.p.AbortTransaction(testCtx(t, 500*time.Millisecond))
		select {
		case <-taken:
		default:
			t.Fatalf("AbortTransaction returned %v before sending EndTxn", err)
		}
		pe := requireTxnError(t, err, producer.ErrTimedOut, false, false, true)
		require.True(t, pe.IsTimeout())
		release()
		require.NoError(t, f.p.AbortTransaction(testCtx(t, 15*time.Second)), "AbortTransaction called again")
		f.commitOne(t, false)
		f.verify(t)
		requireLogHolds(t, readLog(t, c, false, len(ms)+len(f.committed)), append(slices.Clone(ms), f.committed...))
	})
}

func TestTxnInitProducerIdRetriesEveryAnswerButTheFatalOnes(t *testing.T) {
	// librdkafka (rd_kafka_idemp_request_pid_failed) makes only
	// INVALID_TRANSACTION_TIMEOUT, the authorization failures and fencing
	// fatal; every other InitProducerId error is retried.
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		for _, code := range []*kerr.Error{kerr.InvalidTxnState, kerr.UnknownProducerID, kerr.InvalidProducerIDMapping, kerr.UnknownServerError} {
			t.Run(code.Message+" once is retried", func(t *testing.T) {
				c := newTxnCluster(t, proto)
				f := newTxnFixture(t, c, nil)
				h := c.Fault(reqInitProducerID.fault(f, code, 1))
				f.commitOne(t, true)
				require.Equal(t, 1, h.Hits(), "faulted answers given")
				f.verify(t)
			})
		}
	})
}

func TestTxnOffsetsOfAGroupMemberAreRefusedOnceItsGenerationIsGone(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		f := newTxnFixture(t, c, nil)
		require.NoError(t, f.p.InitTransactions(testCtx(t, 15*time.Second)))

		// A live member of the group (the classic protocol), as a
		// consume-transform-produce application has.
		member, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup(f.group),
			kgo.ConsumeTopics(ledgerTopic), kgo.FetchMaxWait(100*time.Millisecond), kgo.DisableAutoCommit())
		require.NoError(t, err)
		t.Cleanup(member.Close)
		var memberID string
		var generation int32
		waitFor(t, 15*time.Second, "the consumer to join its group", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			member.PollFetches(ctx)
			memberID, generation = member.GroupMetadata()
			return generation > 0
		})
		send := func(meta *producer.ConsumerGroupMetadata, offset int64) error {
			return f.p.SendOffsetsToTransaction(testCtx(t, 15*time.Second),
				[]producer.TopicPartition{{Topic: ledgerTopic, Partition: 1, Offset: offset}}, meta)
		}

		live, err := producer.NewConsumerGroupMetadata(f.group, generation, memberID, nil)
		require.NoError(t, err)
		require.NoError(t, f.p.BeginTransaction())
		ms := f.produce(t, "live")
		require.NoError(t, send(live, 7), "the live member's offsets")
		require.NoError(t, f.p.CommitTransaction(testCtx(t, 15*time.Second)))
		requireDelivered(t, f.p, len(ms))
		require.Equal(t, map[txnTarget]groupOffset{{ledgerTopic, 1}: {7, ""}}, groupOffsets(t, c, f.group))

		for _, tc := range []struct {
			name string
			meta func() (*producer.ConsumerGroupMetadata, error)
			code producer.ErrorCode
		}{
			{"an older generation", func() (*producer.ConsumerGroupMetadata, error) {
				return producer.NewConsumerGroupMetadata(f.group, generation-1, memberID, nil)
			}, producer.ErrIllegalGeneration},
			{"a member the group does not know", func() (*producer.ConsumerGroupMetadata, error) {
				return producer.NewConsumerGroupMetadata(f.group, generation, "gone-member", nil)
			}, producer.ErrUnknownMemberID},
		} {
			meta, err := tc.meta()
			require.NoError(t, err)
			require.NoError(t, f.p.BeginTransaction())
			ms := f.produce(t, "stale")
			requireTxnError(t, send(meta, 9), tc.code, false, true, false)
			require.NoError(t, f.p.AbortTransaction(testCtx(t, 15*time.Second)), tc.name)
			pollReports(t, f.p, len(ms), 15*time.Second)
		}
		require.Equal(t, map[txnTarget]groupOffset{{ledgerTopic, 1}: {7, ""}}, groupOffsets(t, c, f.group), "offsets after the refusals")
	})
}

func TestTxnAnAbortTheCoordinatorRefusesEndsWithAnEpochBump(t *testing.T) {
	// librdkafka (rd_kafka_txn_handle_EndTxn) fails such an abort with
	// TxnRequiresAbort and the application aborts again. kprod instead
	// bumps the epoch with InitProducerId (KIP-360), which makes the
	// coordinator abort the transaction, and the abort succeeds: nothing
	// aborted may then show at read_committed, and the next transaction
	// writes with the new epoch.
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		f := newTxnFixture(t, c, nil)
		require.NoError(t, f.p.InitTransactions(testCtx(t, 15*time.Second)))
		require.NoError(t, f.p.BeginTransaction())
		aborted := f.produce(t, "aborted")
		require.Zero(t, f.p.Flush(15*time.Second))
		requireDelivered(t, f.p, len(aborted))
		seen := countRequests(c, reqInitProducerID, f)
		h := c.Fault(reqEndTxn.fault(f, kerr.UnknownServerError, 1))
		require.NoError(t, f.p.AbortTransaction(testCtx(t, 15*time.Second)))
		require.Equal(t, 1, h.Hits(), "EndTxn(abort) refused")
		require.Equal(t, 1, seen(), "InitProducerId requests: the epoch bump")
		f.commitOne(t, false)
		f.verify(t)
		epochs := map[string]int16{}
		for _, r := range readLog(t, c, false, len(aborted)+len(f.committed)) {
			epochs[string(r.Value[:4])] = r.ProducerEpoch
		}
		require.Equal(t, epochs["abor"]+1, epochs["txn1"], "the epoch after the abort, epochs %v", epochs)
	})
}

func TestTxnACallMadeWhileAnotherIsUnderWayConflicts(t *testing.T) {
	// librdkafka (rd_kafka_txn_curr_api_begin): while a call is under way,
	// or timed out and may still be resumed, any other transactional call
	// fails with the retriable _CONFLICT.
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		f := newTxnFixture(t, c, nil)
		require.NoError(t, f.p.InitTransactions(testCtx(t, 15*time.Second)))
		ctx := testCtx(t, 15*time.Second)
		offsets := []producer.TopicPartition{{Topic: testTopic, Partition: 0, Offset: 100}}

		require.NoError(t, f.p.BeginTransaction())
		ms := f.produce(t, "txn1")
		taken, release := interceptFirst(t, c, reqTxnOffsetCommit, f, false)
		sent := make(chan error, 1)
		go func() { sent <- f.p.SendOffsetsToTransaction(ctx, offsets, f.meta) }()
		<-taken
		requireTxnError(t, f.p.CommitTransaction(ctx), producer.ErrConflict, false, false, true)
		requireTxnError(t, f.p.AbortTransaction(ctx), producer.ErrConflict, false, false, true)
		release()
		require.NoError(t, <-sent)

		// A commit whose call timed out is still the call under way.
		taken, release = interceptFirst(t, c, reqEndTxn, f, false)
		requireTxnError(t, f.p.CommitTransaction(testCtx(t, 500*time.Millisecond)), producer.ErrTimedOut, false, false, true)
		<-taken
		requireTxnError(t, f.p.AbortTransaction(ctx), producer.ErrConflict, false, false, true)
		requireTxnError(t, f.p.SendOffsetsToTransaction(ctx, offsets, f.meta), producer.ErrConflict, false, false, true)
		requireTxnError(t, f.p.BeginTransaction(), producer.ErrConflict, false, false, true)
		release()
		require.NoError(t, f.p.CommitTransaction(ctx), "CommitTransaction called again")
		requireDelivered(t, f.p, len(ms))
		f.committed, f.offset = ms, 100
		f.verify(t)
	})
}

func TestTxnCloseWhileACommitWaitsForItsAnswerReturns(t *testing.T) {
	forEachTxnProtocol(t, txnProtocols, func(t *testing.T, proto txnProtocol) {
		c := newTxnCluster(t, proto)
		f := newTxnFixture(t, c, nil)
		require.NoError(t, f.p.InitTransactions(testCtx(t, 15*time.Second)))
		require.NoError(t, f.p.BeginTransaction())
		f.produce(t, "txn1")
		taken, _ := interceptFirst(t, c, reqEndTxn, f, true) // never answered
		committed := make(chan error, 1)
		go func() { committed <- f.p.CommitTransaction(testCtx(t, 30*time.Second)) }()
		<-taken
		closed := make(chan struct{})
		go func() { f.p.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(15 * time.Second):
			t.Fatal("Close did not return while a commit waited for its EndTxn answer")
		}
		select {
		case err := <-committed:
			require.ErrorIs(t, err, producer.ErrDestroy, "the commit's outcome once the producer closed")
		case <-time.After(5 * time.Second):
			t.Fatal("CommitTransaction did not return after Close")
		}
	})
}
