package producer

import (
	"testing"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/sender"
)

// Serving a batch's reports to the delivery function allocates nothing:
// no channel, no per-report value.
func TestDeliveryFuncServesWithoutAllocating(t *testing.T) {
	p := newDeliveryOnly(t)
	served := 0
	p.dr = &deliveryFunc{fn: func(*Message) { served++ }}
	msgs := make([]Message, 200) // more than one group of servedBatch
	refs := make([]any, len(msgs))
	for i := range msgs {
		refs[i] = &msgs[i]
	}
	b := &accumulator.Batch{Refs: refs}
	h := senderResults{p}
	part := &sender.Partition{}
	// One message that never completes: the last report of all makes a
	// new channel for Flush (completed), which is not the path measured.
	p.acct.take(0)
	round := func() {
		for range msgs {
			p.acct.take(0)
		}
		h.Complete(part, b, sender.Outcome{LogAppendTime: -1})
		if e := p.Poll(0); e != nil {
			t.Fatalf("Poll returned %v", e)
		}
	}
	round() // the queue's ring and the function's group grow once
	if allocs := testing.AllocsPerRun(100, round); allocs != 0 {
		t.Errorf("%v allocations per batch of %d reports, want 0", allocs, len(msgs))
	}
	// Rounds: the one above, AllocsPerRun's warm-up and its 100.
	if want := 102 * len(msgs); served != want {
		t.Errorf("served %d reports, want %d", served, want)
	}
	if n := p.Len(); n != 1 {
		t.Errorf("Len %d after every report was served, want 1 (the message never completed)", n)
	}
}
