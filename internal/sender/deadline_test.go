package sender

import (
	"testing"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/deadline"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/wire"
)

// TestExpireTakesWhatDeadlineExpires: housekeeping's expire and the queue's
// TakeExpired draw the line where deadline.Expired does, at the boundary.
func TestExpireTakesWhatDeadlineExpires(t *testing.T) {
	const timeout = time.Second
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		taken   int
	}{{"with a message timeout, the batches at or past it", timeout, 2}, {"without a message timeout, none", 0, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			log := &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}
			s := New(Config{MessageTimeout: tc.timeout}, log, accumulator.NewClock(), nil)
			t.Cleanup(s.Close)
			acfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1, Pool: accumulator.NewPool(0)}
			p := NewPartition("a", 0, acfg)
			const first = int64(1_000_000_000)
			appended := []int64{first, first + 1, first + 2}
			for _, at := range appended {
				accumulator.Append(p.Queue, &accumulator.Record[wire.Header]{Value: []byte("v"), Ref: at}, at)
			}
			now := first + 1 + int64(timeout) // the second batch is exactly at its deadline
			s.expire(p, now, nil)
			expired := 0
			for _, out := range log.outcomes {
				if len(out) != 1 || out[0].Code != errcode.MsgTimedOut {
					t.Fatalf("outcomes %+v, want one _MSG_TIMED_OUT each", out)
				}
				expired++
			}
			want := 0
			for _, at := range appended {
				if deadline.Expired(at, now, tc.timeout) {
					want++
				}
			}
			if want != tc.taken {
				t.Fatalf("deadline.Expired expires %d of the batches, want %d", want, tc.taken)
			}
			if expired != want || p.Queue.Len() != len(appended)-want {
				t.Fatalf("Expire took %d batches and left %d, want %d taken as deadline.Expired says", expired, p.Queue.Len(), want)
			}
		})
	}
}

// TestRetryTimesOutWhereDeadlineExpires: a batch coming back for a retry
// fails with _MSG_TIMED_OUT exactly when deadline.Expired says.
func TestRetryTimesOutWhereDeadlineExpires(t *testing.T) {
	const timeout = time.Second
	for _, late := range []int64{-1, 0, 1} {
		f := newHandleFixture(t, Config{MessageTimeout: timeout, Retries: 10})
		for i := range f.r.batches {
			tr := &f.r.batches[i]
			now := tr.b.FirstAppend + int64(timeout) + late
			want := deadline.Expired(tr.b.FirstAppend, now, timeout)
			f.s.retry(tr, now, errcode.RequestTimedOut, "test", true, errcode.PossiblyPersisted, false)
			out := f.log.outcomes[tr.b]
			if got := len(out) == 1 && out[0].Code == errcode.MsgTimedOut; got != want {
				t.Fatalf("%d ns from the deadline: timed out %v (%+v), want %v", late, got, out, want)
			}
		}
	}
}
