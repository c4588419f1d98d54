package sender

import (
	"fmt"
	"math"
	"testing"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// seqFixture is one idempotent partition whose batches a test sends one
// request each, as a sink pipelines them, and answers by hand.
type seqFixture struct {
	s    *Sender
	log  *outcomeLog
	sink *Sink
	p    *Partition
	gen  uint32
}

func newSeqFixture(tb testing.TB, batches int) *seqFixture {
	tb.Helper()
	f := &seqFixture{log: &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}}
	f.s = New(Config{Idempotent: true, Retries: 5, MaxInFlight: 5, PipelinePartitions: true}, f.log, accumulator.NewClock(), nil)
	tb.Cleanup(f.s.Close)
	if !f.s.pid.startRequest(0) {
		tb.Fatal("cannot start a producer id request")
	}
	f.s.pid.assigned(1000, 0)
	_, _, f.gen, _ = f.s.pid.current()
	f.sink = newSink(f.s, 1, "fixture:9092")
	f.p = NewPartition("a", 0, &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 2, Pool: accumulator.NewPool(0)})
	f.p.leader.Store(f.sink)
	now := f.s.clock.Now()
	for i := range 2 * batches {
		accumulator.Append(f.p.Queue, &accumulator.Record[wire.Header]{Value: []byte(fmt.Sprint(i)), Ref: i}, now)
	}
	return f
}

// canSend asks whether the partition may send its next batch now.
func (f *seqFixture) canSend() bool {
	limit := 1
	if f.s.cfg.PipelinePartitions {
		limit = f.s.cfg.MaxInFlight
	}
	f.p.seq.mu.Lock()
	defer f.p.seq.mu.Unlock()
	return f.p.seq.canSendLocked(nil, f.gen, limit, f.s.clock.Now())
}

// send takes the partition's head batch and sends it in a request of its
// own, as build and send do, failing the test if canSend does not allow it.
func (f *seqFixture) send(tb testing.TB) *request {
	tb.Helper()
	if !f.canSend() {
		tb.Fatal("the partition may not send now")
	}
	b, _ := f.sink.take(f.p, nil, f.gen, minProduceVersion, f.s.clock.Now(), true, math.MaxInt) // no retry backoff: Config.RetryBackoff is 0
	if b == nil {
		tb.Fatal("no batch to send")
	}
	f.s.idemInflight.Add(1)
	r := &request{sink: f.sink, req: &produceRequest{ProduceRequest: kmsg.NewPtrProduceRequest()}}
	r.add(f.p, b)
	r.batches[0].prevStatus = statusOf(b)
	setStatus(b, errcode.PossiblyPersisted)
	return r
}

// answer settles r with code for the partition.
func (f *seqFixture) answer(r *request, code int16) {
	f.s.handle(r, produceResponse(answer{"a", 0, code}), nil)
}

// answerAt settles r with success at base offset.
func (f *seqFixture) answerAt(r *request, offset int64) {
	resp := produceResponse(answer{"a", 0, 0})
	resp.Topics[0].Partitions[0].BaseOffset = offset
	f.s.handle(r, resp, nil)
}

// outcome returns the single outcome of r's batch, or nil if it was put
// back for a retry.
func (f *seqFixture) outcome(tb testing.TB, r *request) *Outcome {
	tb.Helper()
	got := f.log.outcomes[r.batches[0].b]
	switch len(got) {
	case 0:
		return nil
	case 1:
		return &got[0]
	}
	tb.Fatalf("batch completed %d times: %+v", len(got), got)
	return nil
}

func TestAPartitionPipelinesOnlyOnceTheBrokerHasAcknowledgedItsGeneration(t *testing.T) {
	f := newSeqFixture(t, 8)
	if !f.canSend() {
		t.Fatal("nothing in flight: the first batch may go")
	}
	r0 := f.send(t)
	if f.canSend() {
		t.Fatal("a second batch may go before the broker acknowledged any of this producer id: " +
			"a broker without state for it would accept that one first")
	}
	f.answer(r0, 0)
	var rs []*request
	for range 5 {
		if !f.canSend() {
			t.Fatalf("after an acknowledgement, batch %d of 5 in flight may not go", len(rs)+1)
		}
		rs = append(rs, f.send(t))
	}
	if f.canSend() {
		t.Fatal("a sixth batch in flight with max.in.flight 5")
	}
	for _, r := range rs {
		f.answer(r, 0)
	}
	f.p.seq.ackedAt -= trustAcksFor // a quiet spell in which the broker may have expired the producer's state
	if !f.canSend() {
		t.Fatal("nothing in flight: the next batch may go")
	}
	f.send(t)
	if f.canSend() {
		t.Fatal("after a quiet spell longer than trustAcksFor, a second batch may go before a new acknowledgement")
	}
}

func TestAResendGoesAloneAndNothingIsSentBehindIt(t *testing.T) {
	f := newSeqFixture(t, 8)
	f.answer(f.send(t), 0)
	r1, r2, r3 := f.send(t), f.send(t), f.send(t)
	f.answer(r1, 19) // NOT_ENOUGH_REPLICAS: not written, put back
	if f.outcome(t, r1) != nil {
		t.Fatal("a retriable error completed the batch")
	}
	if f.canSend() {
		t.Fatal("a batch may go while one waits in the queue to be sent again")
	}
	f.answer(r2, 45) // refused behind the hole: put back too
	f.answer(r3, 45)
	if o2, o3 := f.outcome(t, r2), f.outcome(t, r3); o2 != nil || o3 != nil {
		t.Fatalf("OUT_OF_ORDER_SEQUENCE_NUMBER behind a refused batch completed a batch: %+v %+v", o2, o3)
	}
	for i, want := range []*request{r1, r2, r3} {
		if !f.canSend() {
			t.Fatalf("resend %d: nothing in flight, yet it may not go", i)
		}
		r := f.send(t)
		if r.batches[0].b != want.batches[0].b {
			t.Fatalf("resend %d: sent another batch than the one refused in that place", i)
		}
		if f.canSend() {
			t.Fatalf("resend %d: another batch may go behind it before it settles", i)
		}
		f.answer(r, 0)
		if o := f.outcome(t, r); o == nil || o.Code != 0 || o.Status != errcode.Persisted {
			t.Fatalf("resend %d: got %+v, want delivered", i, o)
		}
	}
	if !f.canSend() {
		t.Fatal("after the resends, pipelining may not resume")
	}
	f.send(t)
	if !f.canSend() {
		t.Fatal("after the resends were acknowledged, a second batch may not follow the first")
	}
	if len(f.log.fatal) != 0 {
		t.Fatalf("fatal errors %v", f.log.fatal)
	}
}

func TestOutOfOrderSequenceBehindTheAcknowledgedOneIsNeverDelivered(t *testing.T) {
	f := newSeqFixture(t, 8)
	f.answer(f.send(t), 0)
	r1, r2, r3 := f.send(t), f.send(t), f.send(t)
	f.answer(r1, 7) // REQUEST_TIMED_OUT: it may have been written
	f.answer(r2, 0) // so the broker may accept the batches behind it
	f.answer(r3, 0)
	r := f.send(t) // r1's batch again, alone
	if r.batches[0].b != r1.batches[0].b {
		t.Fatal("the batch that timed out is not the one sent again")
	}
	// Had the broker written it, it would answer DUPLICATE_SEQUENCE_NUMBER:
	// it remembers the last five batches, and at most four followed.
	f.answer(r, 45)
	o := f.outcome(t, r)
	if o == nil || o.Code != 45 || o.Status != errcode.PossiblyPersisted {
		t.Fatalf("got %+v, want OUT_OF_ORDER_SEQUENCE_NUMBER, possibly persisted (never delivered)", o)
	}
	if len(f.log.fatal) != 1 || f.log.fatal[0] != 45 {
		t.Fatalf("fatal errors %v, want [45] as librdkafka", f.log.fatal)
	}
}

func TestAnAcknowledgementAheadOfARefusedBatchIsFatal(t *testing.T) {
	f := newSeqFixture(t, 8)
	f.answer(f.send(t), 0)
	r1, r2 := f.send(t), f.send(t)
	f.answer(r1, 19) // not written
	f.answer(r2, 0)  // written all the same: the broker did not check it followed on
	if o := f.outcome(t, r2); o == nil || o.Code != 0 || o.Status != errcode.Persisted {
		t.Fatalf("the batch the broker wrote: got %+v, want delivered", o)
	}
	if len(f.log.fatal) != 1 || f.log.fatal[0] != errcode.Inconsistent {
		t.Fatalf("fatal errors %v, want [%d] (_INCONSISTENT) as librdkafka", f.log.fatal, errcode.Inconsistent)
	}
	// The refused batch waits at the head of its queue, where the
	// producer's fatal handler fails it; it is never sent again.
	if b, _ := f.p.Queue.Take(math.MaxInt64/2, true, math.MaxInt); b != r1.batches[0].b {
		t.Fatal("the refused batch is not at the head of its queue")
	}
}

func TestARetryAfterAFatalErrorFailsInsteadOfWaitingInTheQueue(t *testing.T) {
	f := newSeqFixture(t, 8)
	f.answer(f.send(t), 0)
	r1, r2 := f.send(t), f.send(t)
	f.s.raiseFatal(errcode.Fatal, "test")
	f.answer(r1, 19)
	f.answer(r2, 45)
	for i, r := range []*request{r1, r2} {
		if o := f.outcome(t, r); o == nil || o.Code != errcode.PurgeQueue {
			t.Errorf("batch %d: got %+v, want failed with _PURGE_QUEUE", i, o)
		}
	}
}

func TestOnlyThePartitionsLeaderTakesItsBatches(t *testing.T) {
	f := newSeqFixture(t, 2)
	old := newSink(f.s, 2, "old-leader:9092")
	if b, at := old.take(f.p, nil, f.gen, minProduceVersion, f.s.clock.Now(), true, math.MaxInt); b != nil || at != -1 {
		t.Fatalf("a sink that no longer leads the partition took a batch (%v, %d): two sinks could give sequences out of queue order", b != nil, at)
	}
	f.send(t) // its leader does
}

func TestAResendWrittenAfterLaterSequencesIsFatal(t *testing.T) {
	for _, tc := range []struct {
		name         string
		offset       int64 // where the broker says it wrote the resend
		inconsistent bool
	}{
		// A broker that checks sequences wrote it the first time, in order, and answers the resend as a duplicate with that offset.
		{"a duplicate answered with its first offset is in order", 102, false},
		// A broker that does not check them wrote nothing the first time and writes it now, after the batch behind it.
		{"a batch written anew after later sequences is out of order", 106, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSeqFixture(t, 8)
			f.answerAt(f.send(t), 100) // two records a batch: offsets 100, 101
			r1, r2 := f.send(t), f.send(t)
			f.answer(r1, 7)     // REQUEST_TIMED_OUT: it may have been written (at 102)
			f.answerAt(r2, 104) // so the broker may accept the batch behind it
			r := f.send(t)      // r1's batch again, alone
			f.answerAt(r, tc.offset)
			if o := f.outcome(t, r); o == nil || o.Code != 0 || o.Status != errcode.Persisted || o.BaseOffset != tc.offset {
				t.Fatalf("the resend: got %+v, want delivered at %d", o, tc.offset)
			}
			var want []errcode.Code
			if tc.inconsistent {
				want = []errcode.Code{errcode.Inconsistent}
			}
			if fmt.Sprint(f.log.fatal) != fmt.Sprint(want) {
				t.Fatalf("fatal errors %v, want %v", f.log.fatal, want)
			}
		})
	}
}

func TestWithoutPipeliningAPartitionHasOneBatchInFlight(t *testing.T) {
	f := newSeqFixture(t, 4)
	f.s.cfg.PipelinePartitions = false
	f.answer(f.send(t), 0) // the broker has shown it holds the producer's state
	f.send(t)
	if f.canSend() {
		t.Fatal("a second batch may go while one is in flight, without WithPartitionPipelining")
	}
	if b, _ := f.sink.take(f.p, nil, f.gen, minProduceVersion, f.s.clock.Now(), true, math.MaxInt); b != nil {
		t.Fatal("the sink took a second batch while one is in flight, without WithPartitionPipelining")
	}
}
