package producer

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"strconv"
	"strings"
	"testing"
)

// declaredErrorCodes parses errcodes.go and returns the value of every
// exported ErrorCode constant, and the constant named by the first element of
// each errCodeTable entry, in table order.
func declaredErrorCodes(tb testing.TB) (consts map[string]int64, tableIdents []string) {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errcodes.go", nil, 0)
	if err != nil {
		tb.Fatalf("parse errcodes.go: %v", err)
	}
	consts = make(map[string]int64)
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || (gen.Tok != token.CONST && gen.Tok != token.VAR) {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			switch {
			case gen.Tok == token.CONST && isIdent(vs.Type, "ErrorCode"):
				for i, name := range vs.Names {
					if _, dup := consts[name.Name]; dup {
						tb.Errorf("constant %s declared twice", name.Name)
					}
					consts[name.Name] = intLiteral(tb, name.Name, vs.Values[i])
				}
			case gen.Tok == token.VAR && vs.Names[0].Name == "errCodeTable":
				for _, elt := range vs.Values[0].(*ast.CompositeLit).Elts {
					id, ok := elt.(*ast.CompositeLit).Elts[0].(*ast.Ident)
					if !ok {
						tb.Fatalf("errCodeTable entry %d does not start with a constant name", len(tableIdents))
					}
					tableIdents = append(tableIdents, id.Name)
				}
			}
		}
	}
	if len(consts) == 0 || len(tableIdents) == 0 {
		tb.Fatalf("found %d ErrorCode constants and %d table entries in errcodes.go, want both non-zero", len(consts), len(tableIdents))
	}
	return consts, tableIdents
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// intLiteral returns the value of a constant written as an integer literal,
// possibly negated.
func intLiteral(tb testing.TB, name string, e ast.Expr) int64 {
	tb.Helper()
	sign := int64(1)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		sign, e = -1, u.X
	}
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		tb.Fatalf("constant %s is not an integer literal", name)
	}
	v, err := strconv.ParseInt(lit.Value, 10, 64)
	if err != nil {
		tb.Fatalf("constant %s: %v", name, err)
	}
	return sign * v
}

// confluentName is the Go name confluent-kafka-go's generator gives a
// librdkafka error name: "Err" and the CamelCase words, with Eof and Id
// spelled EOF and ID.
func confluentName(rdName string) string {
	var b strings.Builder
	b.WriteString("Err")
	for _, w := range strings.Split(rdName, "_") {
		if w == "" {
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + strings.ToLower(w[1:]))
	}
	s := strings.ReplaceAll(b.String(), "Eof", "EOF")
	return strings.ReplaceAll(s, "Id", "ID")
}

func TestErrCodeTableListsEveryConstantOnce(t *testing.T) {
	consts, idents := declaredErrorCodes(t)
	if len(idents) != len(errCodeTable) {
		t.Fatalf("parsed %d table entries, the compiled table has %d", len(idents), len(errCodeTable))
	}
	seen := make(map[string]bool)
	for i, id := range idents {
		e := errCodeTable[i]
		if seen[id] {
			t.Errorf("%s is in errCodeTable twice", id)
		}
		seen[id] = true
		if want, ok := consts[id]; !ok {
			t.Errorf("table entry %d names %s, which is not an ErrorCode constant", i, id)
		} else if int64(e.code) != want {
			t.Errorf("table entry %s has code %d, want %d", id, e.code, want)
		}
		if want := confluentName(e.name); id != want {
			t.Errorf("the constant for %s is %s, want confluent-kafka-go's name %s", e.name, id, want)
		}
	}
	for name := range consts {
		if !seen[name] {
			t.Errorf("constant %s is missing from errCodeTable", name)
		}
	}
}

func TestErrCodeTableFollowsLibrdkafkaLayout(t *testing.T) {
	names := make(map[string]bool)
	for i, e := range errCodeTable {
		if i > 0 && e.code <= errCodeTable[i-1].code {
			t.Errorf("%s (%d) follows %s (%d); want codes in ascending order without duplicates",
				e.name, e.code, errCodeTable[i-1].name, errCodeTable[i-1].code)
		}
		if names[e.name] {
			t.Errorf("name %s is used twice", e.name)
		}
		names[e.name] = true

		local := e.code > -200 && e.code < -100
		if !local && (e.code < -1 || e.code > 200) {
			t.Errorf("%s has code %d, outside librdkafka's local (-199..-101) and broker (-1..) ranges", e.name, e.code)
		}
		if got := strings.HasPrefix(e.name, "_"); got != local {
			t.Errorf("%s (%d): leading underscore is %v, want %v (only local codes have one)", e.name, e.code, got, local)
		}
		wantPrefix := "Broker: "
		switch {
		case e.code == ErrPartitionEOF: // a local code describing a broker condition
		case e.code == ErrUnknown || e.code == ErrNoError:
			wantPrefix = ""
		case local:
			wantPrefix = "Local: "
		}
		if !strings.HasPrefix(e.desc, wantPrefix) || e.desc == wantPrefix {
			t.Errorf("%s description %q, want a text starting with %q", e.name, e.desc, wantPrefix)
		}
	}
}

func TestErrorCodeRoundTripsThroughStringAndName(t *testing.T) {
	for _, e := range errCodeTable {
		if got := e.code.String(); got != e.desc {
			t.Errorf("ErrorCode(%d).String() = %q, want %q", e.code, got, e.desc)
		}
		if got := e.code.Name(); got != e.name {
			t.Errorf("ErrorCode(%d).Name() = %q, want %q", e.code, got, e.name)
		}
		var err error = e.code
		if got := err.Error(); got != e.desc {
			t.Errorf("ErrorCode(%d).Error() = %q, want %q", e.code, got, e.desc)
		}
	}
}

func TestErrorCodeMatchesLibrdkafka(t *testing.T) {
	tests := []struct {
		code ErrorCode
		num  int32
		name string
		desc string
	}{
		{ErrBadMsg, -199, "_BAD_MSG", "Local: Bad message format"},
		{ErrBadCompression, -198, "_BAD_COMPRESSION", "Local: Invalid compressed data"},
		{ErrDestroy, -197, "_DESTROY", "Local: Broker handle destroyed for termination"},
		{ErrFail, -196, "_FAIL", "Local: Communication failure with broker"},
		{ErrTransport, -195, "_TRANSPORT", "Local: Broker transport failure"},
		{ErrMsgTimedOut, -192, "_MSG_TIMED_OUT", "Local: Message timed out"},
		{ErrPartitionEOF, -191, "_PARTITION_EOF", "Broker: No more messages"},
		{ErrUnknownPartition, -190, "_UNKNOWN_PARTITION", "Local: Unknown partition"},
		{ErrUnknownTopic, -188, "_UNKNOWN_TOPIC", "Local: Unknown topic"},
		{ErrAllBrokersDown, -187, "_ALL_BROKERS_DOWN", "Local: All broker connections are down"},
		{ErrInvalidArg, -186, "_INVALID_ARG", "Local: Invalid argument or configuration"},
		{ErrTimedOut, -185, "_TIMED_OUT", "Local: Timed out"},
		{ErrQueueFull, -184, "_QUEUE_FULL", "Local: Queue full"},
		{ErrSsl, -181, "_SSL", "Local: SSL error"},
		{ErrState, -172, "_STATE", "Local: Erroneous state"},
		{ErrAuthentication, -169, "_AUTHENTICATION", "Local: Authentication failure"},
		{ErrTimedOutQueue, -166, "_TIMED_OUT_QUEUE", "Local: Timed out in queue"},
		{ErrUnsupportedFeature, -165, "_UNSUPPORTED_FEATURE", "Local: Required feature not supported by broker"},
		{ErrRetry, -153, "_RETRY", "Local: Retry operation"},
		{ErrPurgeQueue, -152, "_PURGE_QUEUE", "Local: Purged in queue"},
		{ErrPurgeInflight, -151, "_PURGE_INFLIGHT", "Local: Purged in flight"},
		{ErrFatal, -150, "_FATAL", "Local: Fatal error"},
		{ErrInconsistent, -149, "_INCONSISTENT", "Local: Inconsistent state"},
		{ErrGaplessGuarantee, -148, "_GAPLESS_GUARANTEE", "Local: Gap-less ordering would not be guaranteed if proceeding"},
		{ErrMaxPollExceeded, -147, "_MAX_POLL_EXCEEDED", "Local: Maximum application poll interval (max.poll.interval.ms) exceeded"},
		{ErrFenced, -144, "_FENCED", "Local: This instance has been fenced by a newer instance"},
		{ErrInvalidDifferentRecord, -138, "_INVALID_DIFFERENT_RECORD", "Local: an invalid record in the same batch caused the failure of this message too"},
		{ErrDestroyBroker, -137, "_DESTROY_BROKER", "Local: Broker handle destroyed without termination"},
		{ErrUnknown, -1, "UNKNOWN", "Unknown broker error"},
		{ErrNoError, 0, "NO_ERROR", "Success"},
		{ErrInvalidMsg, 2, "INVALID_MSG", "Broker: Invalid message"},
		{ErrUnknownTopicOrPart, 3, "UNKNOWN_TOPIC_OR_PART", "Broker: Unknown topic or partition"},
		{ErrLeaderNotAvailable, 5, "LEADER_NOT_AVAILABLE", "Broker: Leader not available"},
		{ErrNotLeaderForPartition, 6, "NOT_LEADER_FOR_PARTITION", "Broker: Not leader for partition"},
		{ErrRequestTimedOut, 7, "REQUEST_TIMED_OUT", "Broker: Request timed out"},
		{ErrMsgSizeTooLarge, 10, "MSG_SIZE_TOO_LARGE", "Broker: Message size too large"},
		{ErrNetworkException, 13, "NETWORK_EXCEPTION", "Broker: Broker disconnected before response received"},
		{ErrCoordinatorLoadInProgress, 14, "COORDINATOR_LOAD_IN_PROGRESS", "Broker: Coordinator load in progress"},
		{ErrRecordListTooLarge, 18, "RECORD_LIST_TOO_LARGE", "Broker: Message batch larger than configured server segment size"},
		{ErrNotEnoughReplicas, 19, "NOT_ENOUGH_REPLICAS", "Broker: Not enough in-sync replicas"},
		{ErrNotEnoughReplicasAfterAppend, 20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "Broker: Message(s) written to insufficient number of in-sync replicas"},
		{ErrTopicAuthorizationFailed, 29, "TOPIC_AUTHORIZATION_FAILED", "Broker: Topic authorization failed"},
		{ErrClusterAuthorizationFailed, 31, "CLUSTER_AUTHORIZATION_FAILED", "Broker: Cluster authorization failed"},
		{ErrUnsupportedVersion, 35, "UNSUPPORTED_VERSION", "Broker: API version not supported"},
		{ErrPolicyViolation, 44, "POLICY_VIOLATION", "Broker: Policy violation"},
		{ErrOutOfOrderSequenceNumber, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", "Broker: Broker received an out of order sequence number"},
		{ErrDuplicateSequenceNumber, 46, "DUPLICATE_SEQUENCE_NUMBER", "Broker: Broker received a duplicate sequence number"},
		{ErrInvalidProducerEpoch, 47, "INVALID_PRODUCER_EPOCH", "Broker: Producer attempted an operation with an old epoch"},
		{ErrTransactionalIDAuthorizationFailed, 53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "Broker: Transactional Id authorization failed"},
		{ErrKafkaStorageError, 56, "KAFKA_STORAGE_ERROR", "Broker: Disk error when trying to access log file on disk"},
		{ErrUnknownProducerID, 59, "UNKNOWN_PRODUCER_ID", "Broker: Unknown Producer Id"},
		{ErrUnsupportedCompressionType, 76, "UNSUPPORTED_COMPRESSION_TYPE", "Broker: Unsupported compression type"},
		{ErrInvalidRecord, 87, "INVALID_RECORD", "Broker: Broker failed to validate record"},
		{ErrProducerFenced, 90, "PRODUCER_FENCED", "Broker: There is a newer producer with the same transactionalId which fences the current one"},
		{ErrPrincipalDeserializationFailure, 97, "PRINCIPAL_DESERIALIZATION_FAILURE", "Broker: Request principal deserialization failed during forwarding"},
		{ErrUnknownTopicID, 100, "UNKNOWN_TOPIC_ID", "Broker: Unknown topic id"},
		{ErrStaleMemberEpoch, 113, "STALE_MEMBER_EPOCH", "Broker: The member epoch is stale"},
		{ErrTelemetryTooLarge, 118, "TELEMETRY_TOO_LARGE", "Broker: Client sent a push telemetry request larger than the maximum size the broker will accept"},
		{ErrRebootstrapRequired, 129, "REBOOTSTRAP_REQUIRED", "Broker: Client metadata is stale, client should rebootstrap to obtain new metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if int32(tt.code) != tt.num {
				t.Errorf("code = %d, want %d", tt.code, tt.num)
			}
			if got := tt.code.Name(); got != tt.name {
				t.Errorf("Name() = %q, want %q", got, tt.name)
			}
			if got := tt.code.String(); got != tt.desc {
				t.Errorf("String() = %q, want %q", got, tt.desc)
			}
		})
	}
}

func TestUnknownErrorCodeReadsLikeLibrdkafka(t *testing.T) {
	tests := []struct {
		code       ErrorCode
		wantString string
		wantName   string
	}{
		{123, "Err-123?", "ERR_123?"},
		{98, "Err-98?", "ERR_98?"}, // a gap in the broker codes librdkafka describes
		{-123, "Err--123?", "ERR_-123?"},
		{-200, "Err--200?", "ERR_-200?"}, // RD_KAFKA_RESP_ERR__BEGIN has no description
		{-100, "Err--100?", "ERR_-100?"}, // nor has RD_KAFKA_RESP_ERR__END
		{-2, "Err--2?", "ERR_-2?"},
	}
	for _, tt := range tests {
		if got := tt.code.String(); got != tt.wantString {
			t.Errorf("ErrorCode(%d).String() = %q, want %q", int32(tt.code), got, tt.wantString)
		}
		if got := tt.code.Error(); got != tt.wantString {
			t.Errorf("ErrorCode(%d).Error() = %q, want %q", int32(tt.code), got, tt.wantString)
		}
		if got := tt.code.Name(); got != tt.wantName {
			t.Errorf("ErrorCode(%d).Name() = %q, want %q", int32(tt.code), got, tt.wantName)
		}
		if tt.code.IsRetriable() {
			t.Errorf("ErrorCode(%d).IsRetriable() = true, want false for an unknown code", int32(tt.code))
		}
	}
}

func TestErrorCodeIsRetriable(t *testing.T) {
	tests := []struct {
		code ErrorCode
		want bool
	}{
		// Local codes librdkafka retries a ProduceRequest on.
		{ErrTransport, true},
		{ErrSsl, true},
		{ErrTimedOut, true},
		{ErrTimedOutQueue, true},
		// Kafka's retriable protocol errors.
		{ErrInvalidMsg, true},
		{ErrUnknownTopicOrPart, true},
		{ErrLeaderNotAvailable, true},
		{ErrNotLeaderForPartition, true},
		{ErrRequestTimedOut, true},
		{ErrBrokerNotAvailable, true},
		{ErrReplicaNotAvailable, true},
		{ErrNetworkException, true},
		{ErrCoordinatorLoadInProgress, true},
		{ErrCoordinatorNotAvailable, true},
		{ErrNotCoordinator, true},
		{ErrNotEnoughReplicas, true},
		{ErrNotEnoughReplicasAfterAppend, true},
		{ErrNotController, true},
		{ErrKafkaStorageError, true},
		{ErrFencedLeaderEpoch, true},
		{ErrUnknownLeaderEpoch, true},
		{ErrOffsetNotAvailable, true},
		{ErrThrottlingQuotaExceeded, true},
		{ErrUnknownTopicID, true},

		// Permanent local codes.
		{ErrMsgTimedOut, false},
		{ErrQueueFull, false},
		{ErrBadMsg, false},
		{ErrDestroy, false},
		{ErrFail, false},
		{ErrUnknownPartition, false},
		{ErrUnknownTopic, false},
		{ErrAllBrokersDown, false},
		{ErrInvalidArg, false},
		{ErrPurgeQueue, false},
		{ErrPurgeInflight, false},
		{ErrFatal, false},
		{ErrInconsistent, false},
		{ErrGaplessGuarantee, false},
		{ErrFenced, false},
		{ErrInvalidDifferentRecord, false},
		// Permanent protocol codes.
		{ErrNoError, false},
		{ErrUnknown, false},
		{ErrMsgSizeTooLarge, false},
		{ErrRecordListTooLarge, false},
		{ErrInvalidRequiredAcks, false},
		{ErrTopicAuthorizationFailed, false},
		{ErrClusterAuthorizationFailed, false},
		{ErrInvalidTimestamp, false},
		{ErrUnsupportedVersion, false},
		{ErrOutOfOrderSequenceNumber, false},
		{ErrDuplicateSequenceNumber, false},
		{ErrInvalidProducerEpoch, false},
		{ErrConcurrentTransactions, false},
		{ErrUnknownProducerID, false},
		{ErrUnsupportedCompressionType, false},
		{ErrInvalidRecord, false},
		{ErrProducerFenced, false},
		{ErrRebootstrapRequired, false},
	}
	for _, tt := range tests {
		if got := tt.code.IsRetriable(); got != tt.want {
			t.Errorf("%s.IsRetriable() = %v, want %v", tt.code.Name(), got, tt.want)
		}
	}
}

func TestErrorsIsMatchesTheCode(t *testing.T) {
	err := newError(ErrQueueFull, "queue full for topic %q", "orders")
	wrapped := fmt.Errorf("produce: %w", err)

	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"an Error matches its code", err, ErrQueueFull, true},
		{"an Error does not match another code", err, ErrMsgTimedOut, false},
		{"a wrapped Error matches its code", wrapped, ErrQueueFull, true},
		{"a wrapped Error does not match another code", wrapped, ErrMsgTimedOut, false},
		{"an Error matches an Error with the same code", wrapped, newError(ErrQueueFull, "other text"), true},
		{"an Error matches a *Error with the same code", wrapped, &Error{code: ErrQueueFull}, true},
		{"an Error does not match a nil *Error", err, (*Error)(nil), false},
		{"an Error does not match an Error with another code", err, newError(ErrFatal, "x"), false},
		{"a bare code matches itself", fmt.Errorf("ctx: %w", ErrTimedOut), ErrTimedOut, true},
		{"an Error does not match an unrelated error", err, io.EOF, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestWrapErrorKeepsTheCause(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	err := wrapError(ErrTransport, cause, "broker %d: connection lost", 3)

	if got := err.Unwrap(); got != cause {
		t.Errorf("Unwrap() = %v, want %v", got, cause)
	}
	if !errors.Is(err, cause) {
		t.Errorf("errors.Is(err, %v) = false, want true", cause)
	}
	if !errors.Is(fmt.Errorf("outer: %w", err), ErrTransport) {
		t.Error("a wrapped wrapError result does not match its code")
	}
	if got := newError(ErrTransport, "x").Unwrap(); got != nil {
		t.Errorf("newError(...).Unwrap() = %v, want nil", got)
	}
	if got, want := err.Error(), "broker 3: connection lost"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !err.IsRetriable() {
		t.Error("IsRetriable() = false for ErrTransport, want true")
	}
}

func TestErrorMethods(t *testing.T) {
	t.Run("Code returns the code", func(t *testing.T) {
		if got := newError(ErrMsgSizeTooLarge, "x").Code(); got != ErrMsgSizeTooLarge {
			t.Errorf("Code() = %v, want %v", got, ErrMsgSizeTooLarge)
		}
	})
	t.Run("IsTimeout is true only for timeout codes", func(t *testing.T) {
		for _, c := range []ErrorCode{ErrTimedOut, ErrTimedOutQueue, ErrMsgTimedOut, ErrRequestTimedOut} {
			if !newError(c, "x").IsTimeout() {
				t.Errorf("IsTimeout() = false for %s, want true", c.Name())
			}
		}
		for _, c := range []ErrorCode{ErrQueueFull, ErrTransport, ErrNetworkException, ErrFatal, ErrNoError} {
			if newError(c, "x").IsTimeout() {
				t.Errorf("IsTimeout() = true for %s, want false", c.Name())
			}
		}
	})
	t.Run("IsFatal is false unless the error is marked fatal", func(t *testing.T) {
		for _, c := range []ErrorCode{ErrFatal, ErrOutOfOrderSequenceNumber, ErrFenced} {
			if newError(c, "x").IsFatal() {
				t.Errorf("newError(%s).IsFatal() = true, want false", c.Name())
			}
		}
	})
	t.Run("IsRetriable follows the code", func(t *testing.T) {
		for _, e := range errCodeTable {
			if got, want := newError(e.code, "x").IsRetriable(), e.code.IsRetriable(); got != want {
				t.Errorf("newError(%s).IsRetriable() = %v, want %v", e.name, got, want)
			}
		}
	})
	t.Run("Error text", func(t *testing.T) {
		fatal := newError(ErrOutOfOrderSequenceNumber, "orders [2]: sequence gap")
		fatal.fatal = true
		tests := []struct {
			name string
			err  Error
			want string
		}{
			{"the message when there is one", newError(ErrQueueFull, "queue full: %d messages", 7), "queue full: 7 messages"},
			{"the code's description when there is no message", newError(ErrAllBrokersDown, ""), "Local: All broker connections are down"},
			{"the zero Error reads as success", Error{}, "Success"},
			{"a fatal error is prefixed", fatal, "fatal: orders [2]: sequence gap"},
		}
		for _, tt := range tests {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
			}
			if got := tt.err.String(); got != tt.want {
				t.Errorf("%s: String() = %q, want %q", tt.name, got, tt.want)
			}
		}
	})
}
