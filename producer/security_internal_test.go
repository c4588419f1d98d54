package producer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/observe"
)

func TestAnIdenticalConnectionFailureIsToldAgainOnlyAfter30Seconds(t *testing.T) {
	var told []string
	f := connFailures{push: func(e Event) { told = append(told, e.String()) }}
	refused := &broker.ConnectError{Node: observe.Node{ID: 1, Addr: "b:9092"}, Step: broker.StepDial, Err: errors.New("connection refused")}
	other := &broker.ConnectError{Node: observe.Node{ID: 2, Addr: "c:9092"}, Step: broker.StepTLS, Err: errors.New("bad certificate")}
	f.report(refused)
	f.report(refused)
	f.report(refused)
	f.report(other)
	if len(told) != 2 {
		t.Fatalf("told %d failures, want 2 (the repeats suppressed): %q", len(told), told)
	}
	f.mu.Lock()
	f.last[refused.Error()].told = time.Now().Add(-suppressFor)
	f.mu.Unlock()
	f.report(refused)
	if len(told) != 3 || !strings.HasSuffix(told[2], "(2 identical error(s) suppressed)") {
		t.Fatalf("after 30 s got %q, want the failure told again with 2 suppressed", told)
	}
}

func TestConnectionFailuresHaveLibrdkafkasCodes(t *testing.T) {
	for step, want := range map[broker.Step]ErrorCode{
		broker.StepDial: ErrTransport, broker.StepTLS: ErrSsl, broker.StepApiVersions: ErrTransport,
		broker.StepSASL: ErrAuthentication, broker.StepReauth: ErrAuthentication,
	} {
		if got := connectCode(step); got != want {
			t.Errorf("a failure at %v is %v, want %v", step, got, want)
		}
	}
}
