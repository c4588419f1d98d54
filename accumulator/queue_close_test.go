package accumulator_test

import (
	"testing"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/wire"
)

func TestAClosedQueueRefusesAppends(t *testing.T) {
	cfg := &accumulator.Config{MaxBytes: 1 << 20, MaxRecords: 1000, Pool: accumulator.NewPool(1 << 20)}
	q := accumulator.NewQueue(cfg)
	r := &accumulator.Record[wire.Header]{Value: []byte("v"), Ref: new(int)}
	if res, _ := accumulator.Append(q, r, 0); res&accumulator.Closed != 0 {
		t.Fatal("an open queue refused an append")
	}
	if got := q.Close(nil); len(got) != 1 {
		t.Fatalf("Close took %d batches, want 1", len(got))
	}
	if res, grown := accumulator.Append(q, r, 0); res != accumulator.Closed || grown != 0 {
		t.Errorf("Append after Close = %v, %d; want Closed and nothing appended", res, grown)
	}
	if q.Len() != 0 {
		t.Errorf("a closed queue holds %d batches", q.Len())
	}
}
