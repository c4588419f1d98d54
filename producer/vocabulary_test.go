package producer

import (
	"reflect"
	"testing"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/errcode"
)

// TestInternalCodesMatchTheErrorCodes: every code the internals define has
// the number and the librdkafka name of the ErrorCode constant of that
// name, so that the conversions in vocabulary.go are the identity.
func TestInternalCodesMatchTheErrorCodes(t *testing.T) {
	consts, _ := declaredErrorCodes(t)
	rules := errcode.Rules()
	if len(rules) == 0 {
		t.Fatal("errcode defines no codes")
	}
	for _, r := range rules {
		if got := errorCode(r.Code).Name(); got != r.Name {
			t.Errorf("errcode's %s is %d, which producer names %s", r.Name, r.Code, got)
		}
		id := confluentName(r.Name)
		if want, ok := consts[id]; !ok {
			t.Errorf("errcode defines %s, and producer has no constant %s", r.Name, id)
		} else if int64(r.Code) != want {
			t.Errorf("errcode's %s is %d, producer's %s is %d", r.Name, r.Code, id, want)
		}
		if internalCode(errorCode(r.Code)) != r.Code {
			t.Errorf("%s does not convert back to itself", r.Name)
		}
	}
}

// TestRetryClassificationsAgree: the sender's handling of a Produce
// response retries only codes that Error.IsRetriable calls retriable, and
// IsRetriable is errcode's column for every code librdkafka knows.
func TestRetryClassificationsAgree(t *testing.T) {
	retriable := 0
	for _, e := range errCodeTable {
		c := internalCode(e.code)
		if got, want := e.code.IsRetriable(), c.Retriable(); got != want {
			t.Errorf("%s: IsRetriable() = %v, errcode says %v", e.name, got, want)
		}
		if c.Produce().Retry && !e.code.IsRetriable() {
			t.Errorf("%s: the sender retries it in a Produce response, but IsRetriable() = false", e.name)
		}
		if e.code.IsRetriable() {
			retriable++
		}
	}
	if retriable == 0 {
		t.Fatal("no code is retriable: the classification is missing")
	}
}

// TestPersistenceStatusesMatch: the public statuses, the internal ones and
// accumulator.Batch.Status, which holds them, agree.
func TestPersistenceStatusesMatch(t *testing.T) {
	for _, tt := range []struct {
		internal errcode.Status
		public   PersistenceStatus
	}{
		{errcode.NotPersisted, NotPersisted},
		{errcode.PossiblyPersisted, PossiblyPersisted},
		{errcode.Persisted, Persisted},
	} {
		if got := persistenceStatus(tt.internal); got != tt.public || int8(tt.internal) != int8(tt.public) {
			t.Errorf("internal status %s (%d) converts to %s, want %s (%d)", tt.internal, int8(tt.internal), got, tt.public, int8(tt.public))
		}
		if tt.internal.String() != tt.public.String() {
			t.Errorf("internal status %q is spelled %q in the API", tt.internal, tt.public)
		}
	}
	var b accumulator.Batch
	if got := persistenceStatus(errcode.Status(b.Status)); got != NotPersisted {
		t.Errorf("a new batch's status is %s, want NotPersisted", got)
	}
	if got, want := reflect.TypeOf(b.Status).Kind(), reflect.TypeOf(errcode.Status(0)).Kind(); got != want {
		t.Errorf("accumulator.Batch.Status is a %v, errcode.Status a %v", got, want)
	}
}
