package errcode

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// declaredCodes parses errcode.go and returns every Code constant's name
// and value.
func declaredCodes(tb testing.TB) map[string]Code {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errcode.go", nil, 0)
	if err != nil {
		tb.Fatalf("parse errcode.go: %v", err)
	}
	consts := make(map[string]Code)
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for i, name := range vs.Names {
				e, sign := vs.Values[i], int64(1)
				if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.SUB {
					e, sign = u.X, -1
				}
				lit, ok := e.(*ast.BasicLit)
				if !ok || lit.Kind != token.INT {
					tb.Fatalf("constant %s is not an integer literal", name.Name)
				}
				v, err := strconv.ParseInt(lit.Value, 10, 32)
				if err != nil {
					tb.Fatalf("constant %s: %v", name.Name, err)
				}
				consts[name.Name] = Code(sign * v)
			}
		}
	}
	if len(consts) == 0 {
		tb.Fatal("found no Code constants in errcode.go")
	}
	return consts
}

// goName is the Go name of a librdkafka error name: its CamelCase words,
// with Id spelled ID, as producer's Err constants have it after "Err".
func goName(rdName string) string {
	var b strings.Builder
	for _, w := range strings.Split(rdName, "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + strings.ToLower(w[1:]))
		}
	}
	return strings.ReplaceAll(b.String(), "Id", "ID")
}

func TestEveryCodeHasOneRuleNamedAsItsConstant(t *testing.T) {
	consts := declaredCodes(t)
	rs := Rules()
	if len(rs) != len(consts) {
		t.Errorf("%d rules for %d Code constants, want one rule per constant", len(rs), len(consts))
	}
	for i, r := range rs {
		if i > 0 && r.Code <= rs[i-1].Code {
			t.Errorf("%s (%d) follows %s (%d); want codes in ascending order without duplicates", r.Name, r.Code, rs[i-1].Name, rs[i-1].Code)
		}
		id := goName(r.Name)
		if c, ok := consts[id]; !ok {
			t.Errorf("rule %s: no constant %s", r.Name, id)
		} else if c != r.Code {
			t.Errorf("rule %s has code %d, constant %s is %d", r.Name, r.Code, id, c)
		}
		if got := r.Code.Name(); got != r.Name {
			t.Errorf("Code(%d).Name() = %q, want %q", r.Code, got, r.Name)
		}
		if local := r.Code < -100; local != strings.HasPrefix(r.Name, "_") {
			t.Errorf("%s (%d): a leading underscore must mark exactly the local codes", r.Name, r.Code)
		}
	}
}

func TestProduceRetriesOnlyRetriableCodes(t *testing.T) {
	for _, r := range Rules() {
		if r.Produce.Retry && !r.Retriable {
			t.Errorf("%s: Produce retries it, but it is not retriable", r.Name)
		}
		if !r.Produce.Retry && (r.Produce.Counted || r.Produce.Refresh) {
			t.Errorf("%s: Produce fails it for good, yet counts a retry or refreshes: %+v", r.Name, r.Produce)
		}
	}
}

// TestProduceActionIsLibrdkafkas locks the Produce column to librdkafka's
// rd_kafka_handle_Produce_error, as the sender's classify had it.
func TestProduceActionIsLibrdkafkas(t *testing.T) {
	tests := []struct {
		code Code
		want Action
	}{
		{UnknownTopicOrPart, Action{Retry: true, Refresh: true, Status: NotPersisted}},
		{LeaderNotAvailable, Action{Retry: true, Refresh: true, Status: NotPersisted}},
		{NotLeaderForPartition, Action{Retry: true, Refresh: true, Status: NotPersisted}},
		{BrokerNotAvailable, Action{Retry: true, Refresh: true, Status: NotPersisted}},
		{ReplicaNotAvailable, Action{Retry: true, Refresh: true, Status: NotPersisted}},
		{KafkaStorageError, Action{Retry: true, Counted: true, Refresh: true, Status: NotPersisted}},
		{InvalidMsg, Action{Retry: true, Counted: true, Status: NotPersisted}},
		{NotEnoughReplicas, Action{Retry: true, Counted: true, Status: NotPersisted}},
		{RequestTimedOut, Action{Retry: true, Counted: true, Status: PossiblyPersisted}},
		{NotEnoughReplicasAfterAppend, Action{Retry: true, Counted: true, Status: PossiblyPersisted}},
		{OutOfOrderSequenceNumber, Action{Status: PossiblyPersisted}},
		{DuplicateSequenceNumber, Action{Status: PossiblyPersisted}},
		{Transport, Action{Retry: true, Counted: true, Refresh: true, Status: PossiblyPersisted}},
		{TimedOut, Action{Retry: true, Counted: true, Refresh: true, Status: PossiblyPersisted}},
		{NetworkException, Action{Status: NotPersisted}},
		{TopicAuthorizationFailed, Action{Status: NotPersisted}},
		{UnknownProducerID, Action{Status: NotPersisted}},
		{-1, Action{Status: NotPersisted}},   // UNKNOWN_SERVER_ERROR, which has no rule
		{10, Action{Status: NotPersisted}},   // MESSAGE_TOO_LARGE, which has no rule
		{9999, Action{Status: NotPersisted}}, // a code Kafka does not define
	}
	for _, tt := range tests {
		if got := tt.code.Produce(); got != tt.want {
			t.Errorf("%v.Produce() = %+v, want %+v", tt.code, got, tt.want)
		}
	}
}

func TestCodeWithoutRule(t *testing.T) {
	c := Code(9999)
	if got, want := c.Name(), "ERR_9999?"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if c.Retriable() {
		t.Error("Retriable() = true for a code without a rule, want false")
	}
}

func TestStatusValuesAreLibrdkafkas(t *testing.T) {
	for _, tt := range []struct {
		s    Status
		want int8
		name string
	}{{NotPersisted, 0, "NotPersisted"}, {PossiblyPersisted, 1, "PossiblyPersisted"}, {Persisted, 2, "Persisted"}} {
		if int8(tt.s) != tt.want || tt.s.String() != tt.name {
			t.Errorf("status %s = %d, want %s = %d", tt.s, int8(tt.s), tt.name, tt.want)
		}
	}
	var zero Status
	if zero != NotPersisted {
		t.Errorf("zero Status is %s, want NotPersisted", zero)
	}
}
