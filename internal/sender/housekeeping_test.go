package sender

import (
	"errors"
	"testing"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/wire"
)

// TestAFatalErrorPurgesQueuedBatchesOnlyOnceTheProducerHasHeardOfIt: the
// producer's fatal event must come before the reports of the batches the
// error purges. Between the state change and Results.Fatal's return,
// housekeeping leaves the queue alone; after it, it purges the queue with
// _PURGE_QUEUE.
func TestAFatalErrorPurgesQueuedBatchesOnlyOnceTheProducerHasHeardOfIt(t *testing.T) {
	log := &outcomeLog{outcomes: map[*accumulator.Batch][]Outcome{}}
	acfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1, Pool: accumulator.NewPool(0)}
	s := New(Config{Idempotent: true}, log, accumulator.NewClock(), acfg)
	t.Cleanup(s.Close)
	p := s.AddPartitions("t", 0, 1)[0]
	for i := range 3 {
		accumulator.Append(p.Queue, &accumulator.Record[wire.Header]{Value: []byte("v"), Ref: i}, s.clock.Now())
	}

	if !s.pid.setFatal(errors.New("test")) { // raiseFatal's first step; Results.Fatal has not returned
		t.Fatal("setFatal: already fatal")
	}
	s.tidy(s.clock.Now(), nil)
	log.mu.Lock()
	early := len(log.outcomes)
	log.mu.Unlock()
	if early != 0 || p.Queue.Len() != 3 {
		t.Fatalf("before the producer heard of the fatal error: %d batches completed, %d queued; want 0 and 3", early, p.Queue.Len())
	}

	s.fatalReported.Store(true) // raiseFatal's step after Results.Fatal returns
	s.tidy(s.clock.Now(), nil)
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.outcomes) != 3 || p.Queue.Len() != 0 {
		t.Fatalf("after: %d batches completed, %d queued; want 3 and 0", len(log.outcomes), p.Queue.Len())
	}
	for _, out := range log.outcomes {
		if len(out) != 1 || out[0].Code != errcode.PurgeQueue {
			t.Fatalf("outcomes %+v, want one _PURGE_QUEUE each", out)
		}
	}
}
