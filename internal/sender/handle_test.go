package sender

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/kmsgspin"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// outcomeLog is a Results that records every completion by batch.
type outcomeLog struct {
	mu       sync.Mutex
	outcomes map[*accumulator.Batch][]Outcome
	fatal    []errcode.Code
}

func (l *outcomeLog) Complete(_ *Partition, b *accumulator.Batch, o Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outcomes[b] = append(l.outcomes[b], o)
}

func (l *outcomeLog) RefreshMetadata(string) {}

func (l *outcomeLog) Fatal(code errcode.Code, _ string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fatal = append(l.fatal, code)
}

// handleFixture is one Produce request in flight, as Sink.send leaves it:
// one batch for each of a[0], a[1], a[2] and b[0], with 1 to 4 records.
type handleFixture struct {
	s       *Sender
	log     *outcomeLog
	parts   []*Partition
	batches []*accumulator.Batch // batches[i] belongs to parts[i]
	r       *request
}

// fixturePartitions are the partitions of a handleFixture's request.
var fixturePartitions = []struct {
	topic string
	id    int32
}{{"a", 0}, {"a", 1}, {"a", 2}, {"b", 0}}

func newHandleFixture(tb testing.TB, cfg Config) *handleFixture {
	tb.Helper()
	acfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 100, Pool: accumulator.NewPool(0)}
	f := &handleFixture{log: &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}}
	f.s = New(cfg, f.log, accumulator.NewClock(), nil)
	tb.Cleanup(f.s.Close)
	var gen uint32
	if cfg.Idempotent {
		if !f.s.pid.startRequest(0) {
			tb.Fatal("cannot start a producer id request")
		}
		f.s.pid.assigned(1000, 0)
		_, _, gen, _ = f.s.pid.current()
	}
	f.r = &request{sink: newSink(f.s, 1, "fixture:9092"), req: &produceRequest{ProduceRequest: kmsg.NewPtrProduceRequest()}}
	now := f.s.clock.Now()
	for i, fp := range fixturePartitions {
		p := NewPartition(fp.topic, fp.id, acfg)
		for j := range i + 1 {
			accumulator.Append(p.Queue, &accumulator.Record[wire.Header]{Value: []byte(fmt.Sprint(j)), Ref: j}, now)
		}
		p.leader.Store(f.r.sink)
		b, _ := f.r.sink.take(p, nil, gen, minProduceVersion, now, true, math.MaxInt)
		if b == nil {
			tb.Fatalf("no batch to take from %s[%d]", fp.topic, fp.id)
		}
		if cfg.Idempotent {
			f.s.idemInflight.Add(1)
		} else {
			p.inflight.Add(1)
		}
		f.r.add(p, b)
		f.r.batches[i].prevStatus = statusOf(b)
		setStatus(b, errcode.PossiblyPersisted) // as Sink.send does once the request is written
		f.parts = append(f.parts, p)
		f.batches = append(f.batches, b)
	}
	return f
}

// settled checks that every batch of the request was either completed once
// or put back in its queue once, never both and never twice, and that the
// idempotence bookkeeping saw each attempt land. It returns each batch's
// outcome, or nil for a batch put back for a retry.
func (f *handleFixture) settled(tb testing.TB) []*Outcome {
	tb.Helper()
	out := make([]*Outcome, len(f.batches))
	for i, b := range f.batches {
		queued := 0
		for _, q := range f.parts[i].Queue.TakeAll(nil) {
			if q == b {
				queued++
			}
		}
		done := f.log.outcomes[b]
		if len(done)+queued != 1 {
			tb.Fatalf("%s[%d]: completed %d times and queued %d times, want one of them once: %+v",
				f.parts[i].Topic, f.parts[i].ID, len(done), queued, done)
		}
		if len(done) == 1 {
			out[i] = &done[0]
		}
		if f.s.cfg.Idempotent && f.parts[i].seq.inflight != 0 {
			tb.Fatalf("%s[%d]: %d attempts still in flight after the response", f.parts[i].Topic, f.parts[i].ID, f.parts[i].seq.inflight)
		}
		if n := f.parts[i].inflight.Load(); n != 0 {
			tb.Fatalf("%s[%d]: %d batches still counted in flight after the response", f.parts[i].Topic, f.parts[i].ID, n)
		}
	}
	if n := f.s.idemInflight.Load(); n != 0 {
		tb.Fatalf("%d idempotent attempts still counted in flight after the response", n)
	}
	return out
}

// answer is one partition's entry in a hand-built Produce response.
type answer struct {
	topic     string
	partition int32
	code      int16
}

// produceResponse builds a v9 response with the entries given, in order,
// grouping consecutive entries of one topic. Successes get base offset
// 100 times the partition id plus one.
func produceResponse(entries ...answer) *kmsg.ProduceResponse {
	resp := kmsg.NewPtrProduceResponse()
	resp.Version = 9
	for _, e := range entries {
		if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != e.topic {
			t := kmsg.NewProduceResponseTopic()
			t.Topic = e.topic
			resp.Topics = append(resp.Topics, t)
		}
		t := &resp.Topics[len(resp.Topics)-1]
		p := kmsg.NewProduceResponseTopicPartition()
		p.Partition, p.ErrorCode = e.partition, e.code
		if e.code == 0 {
			p.BaseOffset = 100*int64(e.partition) + 1
		}
		t.Partitions = append(t.Partitions, p)
	}
	return resp
}

// allAnswered answers every partition of the fixture with success.
var allAnswered = []answer{{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}}

// want is the expected fate of one batch: retried (put back), or completed
// with code and status.
type want struct {
	retried bool
	code    errcode.Code
	status  errcode.Status
	detail  string // in the outcome's detail
}

var (
	delivered = want{code: 0, status: errcode.Persisted}
	retried   = want{retried: true}
)

func TestHandleSettlesEveryBatchExactlyOnce(t *testing.T) {
	leftOut := retried // put back, and the connection is aborted: the response does not fit its request
	cases := []struct {
		name string
		resp kmsg.Response
		err  error
		want []want // for a[0], a[1], a[2], b[0]
	}{
		{"every partition answered with success", produceResponse(allAnswered...), nil,
			[]want{delivered, delivered, delivered, delivered}},
		{"partitions answered in another order", produceResponse(answer{"b", 0, 0}, answer{"a", 2, 0}, answer{"a", 0, 0}, answer{"a", 1, 0}), nil,
			[]want{delivered, delivered, delivered, delivered}},
		{"answers for partitions not sent are ignored",
			produceResponse(answer{"a", 0, 0}, answer{"a", 1, 0}, answer{"a", 7, 0}, answer{"a", -1, 0}, answer{"a", 2, 0}, answer{"b", 0, 0}, answer{"c", 0, 0}), nil,
			[]want{delivered, delivered, delivered, delivered}},
		{"a partition left out is put back for a retry", produceResponse(answer{"a", 0, 0}, answer{"a", 2, 0}, answer{"b", 0, 0}), nil,
			[]want{delivered, leftOut, delivered, delivered}},
		{"a wrong topic name leaves every partition of the real one out",
			produceResponse(answer{"A", 0, 0}, answer{"A", 1, 0}, answer{"A", 2, 0}, answer{"b", 0, 0}), nil,
			[]want{leftOut, leftOut, leftOut, delivered}},
		{"an empty response leaves everything out", produceResponse(), nil,
			[]want{leftOut, leftOut, leftOut, leftOut}},
		{"a partition answered twice is settled by its first answer",
			produceResponse(answer{"a", 0, 6}, answer{"a", 0, 0}, answer{"a", 1, 0}, answer{"a", 1, 6}, answer{"a", 2, 0}, answer{"b", 0, 0}), nil,
			[]want{retried, delivered, delivered, delivered}},
		{"a topic listed twice", produceResponse(answer{"a", 0, 0}, answer{"b", 0, 0}, answer{"a", 1, 0}, answer{"a", 2, 0}), nil,
			[]want{delivered, delivered, delivered, delivered}},
		{"an error code unknown to Kafka fails the batch as not persisted",
			produceResponse(answer{"a", 0, 0}, answer{"a", 1, 9999}, answer{"a", 2, 0}, answer{"b", 0, 0}), nil,
			[]want{delivered, {code: 9999, status: errcode.NotPersisted, detail: "(9999) for a [1]"}, delivered, delivered}},
		{"a negative error code fails the batch", produceResponse(answer{"a", 0, -5}, answer{"a", 1, 0}, answer{"a", 2, 0}, answer{"b", 0, 0}), nil,
			[]want{{code: -5, status: errcode.NotPersisted, detail: "(-5) for a [0]"}, delivered, delivered, delivered}},
		{"a retriable error puts the batch back", produceResponse(answer{"a", 0, 0}, answer{"a", 1, 0}, answer{"a", 2, 7}, answer{"b", 0, 0}), nil,
			[]want{delivered, delivered, retried, delivered}},
		{"a connection error puts every batch back", nil, fmt.Errorf("read: %w", broker.ErrClosed),
			[]want{retried, retried, retried, retried}},
		{"an undecodable response puts every batch back", nil, fmt.Errorf("%w: Produce response: bad varint", broker.ErrProtocol),
			[]want{retried, retried, retried, retried}},
		{"no response at all (acks=0) completes every batch as possibly persisted", nil, nil,
			[]want{{status: errcode.PossiblyPersisted}, {status: errcode.PossiblyPersisted}, {status: errcode.PossiblyPersisted}, {status: errcode.PossiblyPersisted}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newHandleFixture(t, Config{Retries: 5})
			f.s.handle(f.r, tc.resp, tc.err)
			got := f.settled(t)
			for i, w := range tc.want {
				name := fmt.Sprintf("%s[%d]", f.parts[i].Topic, f.parts[i].ID)
				o := got[i]
				switch {
				case w.retried && o != nil:
					t.Errorf("%s: completed with %+v, want it put back for a retry", name, *o)
				case w.retried:
				case o == nil:
					t.Errorf("%s: put back for a retry, want completed with code %d", name, w.code)
				case o.Code != w.code || o.Status != w.status || !strings.Contains(o.Detail, w.detail):
					t.Errorf("%s: got code %d, status %d, detail %q; want code %d, status %d, detail with %q",
						name, o.Code, o.Status, o.Detail, w.code, w.status, w.detail)
				case w.code == 0 && w.status == errcode.Persisted && o.BaseOffset != 100*int64(f.parts[i].ID)+1:
					t.Errorf("%s: delivered at offset %d, want %d", name, o.BaseOffset, 100*int64(f.parts[i].ID)+1)
				}
			}
		})
	}
}

// TestUnknownErrorCodeIsNotNamedAsAnother: describe means to call a code
// Kafka does not define "UNKNOWN", but kerr.ErrorForCode maps every unknown
// code to UNKNOWN_SERVER_ERROR (which is -1), so the report names the
// wrong error.
func TestUnknownErrorCodeIsNotNamedAsAnother(t *testing.T) {
	d := describe(9999, &Partition{Topic: "a", ID: 1}, nil)
	if strings.Contains(d, "UNKNOWN_SERVER_ERROR") {
		t.Errorf("got %q, want code 9999 not named UNKNOWN_SERVER_ERROR (-1)", d)
	}
}

func TestHandleWithNoRetriesLeftFailsWithTheBrokerError(t *testing.T) {
	f := newHandleFixture(t, Config{Retries: 0})
	f.s.handle(f.r, nil, fmt.Errorf("%w: unexpected correlation id 7 from fixture:9092", broker.ErrProtocol))
	for i, o := range f.settled(t) {
		if o == nil {
			t.Fatalf("batch %d put back with no retries left", i)
		}
		if o.Code != errcode.Transport || o.Status != errcode.PossiblyPersisted || !strings.Contains(o.Detail, "correlation id") {
			t.Errorf("batch %d: got %+v, want a transport error, possibly persisted, that says why", i, *o)
		}
	}
}

func TestARequestNeverWrittenIsRetriedWithoutCountingEvenWithNoRetriesLeft(t *testing.T) {
	f := newHandleFixture(t, Config{Retries: 0})
	f.s.handle(f.r, nil, fmt.Errorf("%w: connection closed during re-authentication", broker.ErrNotSent))
	for i, o := range f.settled(t) {
		if o != nil {
			t.Errorf("batch %d completed with %+v, want it put back: it never reached the broker", i, *o)
		}
	}
}

// FuzzHandle decodes arbitrary bytes as a Produce response (versions 3 to
// 12) to a request of four batches, or fails the request as the connection
// would when they do not decode, and hands it to handle, with and without
// idempotence. Every batch must be completed or put back exactly once.
func FuzzHandle(f *testing.F) {
	seed := func(resp *kmsg.ProduceResponse, v int16) []byte {
		resp.Version = v
		return resp.AppendTo(nil)
	}
	for _, v := range []int16{3, 8, 9, 12} {
		f.Add(false, v, seed(produceResponse(allAnswered...), v))
		f.Add(true, v, seed(produceResponse(answer{"a", 0, 45}, answer{"a", 1, 46}, answer{"a", 2, 59}, answer{"b", 0, 6}), v))
		f.Add(false, v, seed(produceResponse(answer{"a", 0, 0}, answer{"a", 0, 7}, answer{"A", 1, 0}, answer{"b", 9, 0}), v))
	}
	f.Fuzz(func(t *testing.T, idempotent bool, version int16, body []byte) {
		resp := kmsg.NewPtrProduceResponse()
		resp.Version = minProduceVersion + int16((int(version)%10+10)%10)
		if kmsgspin.MaySpin(resp.IsFlexible(), body) {
			return
		}
		fx := newHandleFixture(t, Config{Retries: 2, Idempotent: idempotent})
		if err := resp.ReadFrom(body); err != nil {
			fx.s.handle(fx.r, nil, fmt.Errorf("%w: %v", broker.ErrProtocol, err))
		} else {
			fx.s.handle(fx.r, resp, nil)
		}
		for i, o := range fx.settled(t) {
			if o != nil && o.Code == 0 && o.Status == errcode.NotPersisted {
				t.Fatalf("batch %d delivered with status NotPersisted", i)
			}
		}
	})
}
