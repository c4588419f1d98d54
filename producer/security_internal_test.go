package producer

import (
	"context"
	"errors"
	"fmt"
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
		if got := connectCode(&broker.ConnectError{Step: step, Err: errors.New("refused")}); got != want {
			t.Errorf("a failure at %v is %v, want %v", step, got, want)
		}
		timedOut := &broker.ConnectError{Step: step, Err: fmt.Errorf("handshake: %w", context.DeadlineExceeded)}
		if got := connectCode(timedOut); got != ErrTransport {
			t.Errorf("a setup that timed out at %v is %v, want _TRANSPORT as in librdkafka", step, got)
		}
	}
}

func TestTokenRefreshSchedule(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name  string
		set   func(m *oauthManager)
		want  time.Duration
		timed bool
	}{
		{"a token is refreshed at 80% of the time it has left", func(m *oauthManager) {
			m.token = &OAuthBearerToken{Expiration: now.Add(10 * time.Second)}
		}, 8 * time.Second, true},
		{"an unanswered event is asked again 10 s after it was pushed", func(m *oauthManager) {
			m.token = &OAuthBearerToken{Expiration: now.Add(time.Hour)}
			m.askedAt = now.Add(-4 * time.Second)
		}, 6 * time.Second, true},
		{"a failed refresh is tried again after 10 s", func(m *oauthManager) { m.failure = "down" }, 10 * time.Second, true},
		{"with no token and no question out, the application is not asked", func(*oauthManager) {}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &oauthManager{}
			tc.set(m)
			got, timed := m.nextRefresh(now)
			if got != tc.want || timed != tc.timed {
				t.Errorf("nextRefresh = %v, %v; want %v, %v", got, timed, tc.want, tc.timed)
			}
		})
	}
}
