package observe_test

import (
	"testing"

	"github.com/kprod-go/kprod/internal/observe"
)

type counter struct {
	observe.Nop
	n *int
}

func (c counter) OnThrottle(observe.Throttle) { *c.n++ }

func TestTeePassesEveryEventToEachObserver(t *testing.T) {
	if observe.Tee(nil, nil) != nil {
		t.Error("Tee of no observer is not nil: call sites would pay for it")
	}
	var a, b int
	one := counter{n: &a}
	if got := observe.Tee(nil, one); got != observe.Observer(one) {
		t.Error("Tee of one observer does not return it")
	}
	observe.Tee(counter{n: &a}, nil, counter{n: &b}).OnThrottle(observe.Throttle{})
	if a != 1 || b != 1 {
		t.Errorf("got %d and %d events, want 1 each", a, b)
	}
}
