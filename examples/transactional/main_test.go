package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func mustParseFlags(t testing.TB, args ...string) options {
	t.Helper()
	o, err := parseFlags(args)
	if err != nil {
		t.Fatalf("parseFlags(%q): %v", args, err)
	}
	return o
}

// runOK runs the example, which must succeed, and returns its output.
func runOK(t testing.TB, o options) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, o, &out)
	t.Logf("output:\n%s", out.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out.String()
}

func wantLines(t testing.TB, out string, lines ...string) {
	t.Helper()
	have := strings.Split(out, "\n")
	for _, l := range lines {
		found := false
		for _, h := range have {
			found = found || h == l
		}
		if !found {
			t.Errorf("the output has no line %q", l)
		}
	}
}

// TestRunAgainstEmbeddedBroker runs the example as `go run` does, with
// fewer transactions: 3 partitions × 2 topics × 2 messages make 12 a
// transaction.
func TestRunAgainstEmbeddedBroker(t *testing.T) {
	out := runOK(t, mustParseFlags(t, "-transactions", "4", "-abort", "1"))
	wantLines(t, out,
		"transaction 0: committed 12 messages (attempt 1)",
		"transaction 1: aborted on purpose (12 messages)",
		"transaction 2: committed 12 messages (attempt 1)",
		"transaction 3: committed 12 messages (attempt 1)",
		"read back at read_committed: 18 messages in orders",
		"read back at read_committed: 18 messages in payments",
		"ok: every committed message once and in order, none of the 12 aborted ones",
	)
}

// TestRunWritesAgainATransactionWhoseDeliveryFailed fails the first
// Produce request with INVALID_RECORD: the transaction cannot commit, so
// the example aborts it and writes it again, and nothing of the first
// attempt is visible.
func TestRunWritesAgainATransactionWhoseDeliveryFailed(t *testing.T) {
	cluster := kprodtest.New(t, kprodtest.WithBrokers(1), kprodtest.WithTopic("orders", 3), kprodtest.WithTopic("payments", 3))
	failed := cluster.RefuseProduce(producer.ErrInvalidRecord, 1)

	o := mustParseFlags(t, "-transactions", "3", "-abort", "1", "-brokers", cluster.BootstrapServers())
	out := runOK(t, o)
	if n := failed.Hits(); n != 1 {
		t.Errorf("the fault failed %d Produce requests, want 1", n)
	}
	if !strings.Contains(out, "transaction 0 attempt 1: ") {
		t.Errorf("the output does not show transaction 0's first attempt failing")
	}
	wantLines(t, out,
		"transaction 0: committed 12 messages (attempt 2)",
		"transaction 1: aborted on purpose (12 messages)",
		"transaction 2: committed 12 messages (attempt 1)",
		"read back at read_committed: 12 messages in orders",
		"read back at read_committed: 12 messages in payments",
	)
	// What a read_committed consumer sees, read again by kprodtest: the
	// two committed transactions, 2 messages a partition each.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, topic := range []string{"orders", "payments"} {
		records, err := cluster.Records(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		perPartition := map[int32]int{}
		for _, r := range records {
			perPartition[r.Partition]++
		}
		if len(records) != 12 || perPartition[0] != 4 || perPartition[1] != 4 || perPartition[2] != 4 {
			t.Errorf("%s: %d committed records, by partition %v, want 12, 4 in each", topic, len(records), perPartition)
		}
	}
}

// signalWriter collects the output and closes seen once a write contains
// substr.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	substr string
	seen   chan struct{}
	once   sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte(w.substr)) {
		w.once.Do(func() { close(w.seen) })
	}
	return w.buf.Write(p)
}

// TestRunCallsATimedOutCommitAgain holds the first commit's EndTxn on the
// broker until CommitTransaction has timed out (-call-timeout) and the
// example has said it calls it again: the second call resumes the commit,
// which completes; the transaction is not written again.
func TestRunCallsATimedOutCommitAgain(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "orders", "payments"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	out := &signalWriter{substr: "calling it again", seen: make(chan struct{})}
	var held atomic.Bool
	cluster.ControlKey(int16(kmsg.EndTxn), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if kreq.(*kmsg.EndTxnRequest).Commit && held.CompareAndSwap(false, true) {
			cluster.SleepControl(func() { <-out.seen })
		}
		return nil, nil, false // the broker handles it
	})

	o := mustParseFlags(t, "-transactions", "2", "-abort", "-1", "-call-timeout", "1s",
		"-brokers", strings.Join(cluster.ListenAddrs(), ","))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = run(ctx, o, out)
	out.mu.Lock()
	text := out.buf.String()
	out.mu.Unlock()
	t.Logf("output:\n%s", text)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !held.Load() {
		t.Fatal("no EndTxn to commit reached the broker")
	}
	if n := strings.Count(text, "CommitTransaction: "); n != 1 {
		t.Errorf("the output shows %d CommitTransaction errors, want 1 (the timeout)", n)
	}
	wantLines(t, text,
		"transaction 0: committed 12 messages (attempt 1)",
		"transaction 1: committed 12 messages (attempt 1)",
		"read back at read_committed: 12 messages in orders",
		"read back at read_committed: 12 messages in payments",
		"ok: every committed message once and in order, none of the 0 aborted ones",
	)
}

func TestVerify(t *testing.T) {
	a0, a1 := tp{"orders", 0}, tp{"orders", 1}
	want := map[tp][]string{a0: {"t0 a", "t2 a"}, a1: {"t0 b", "t2 b"}}
	aborted := map[string]bool{"t1 a": true, "t1 b": true}
	tests := []struct {
		name    string
		got     map[tp][]string
		wantErr []string // substrings of the error; none for success
	}{
		{"the committed messages in order pass", map[tp][]string{a0: {"t0 a", "t2 a"}, a1: {"t0 b", "t2 b"}}, nil},
		{"an aborted message is named",
			map[tp][]string{a0: {"t0 a", "t1 a", "t2 a"}, a1: {"t0 b", "t2 b"}},
			[]string{`orders[0]: read "t1 a", which was aborted`, `orders[0]: read 3 messages`}},
		{"a missing message fails", map[tp][]string{a0: {"t0 a"}, a1: {"t0 b", "t2 b"}},
			[]string{`orders[0]: read 1 messages ["t0 a"], want the 2 committed ["t0 a" "t2 a"]`}},
		{"a duplicate fails", map[tp][]string{a0: {"t0 a", "t0 a", "t2 a"}, a1: {"t0 b", "t2 b"}},
			[]string{`orders[0]: read 3 messages`}},
		{"the wrong order fails", map[tp][]string{a0: {"t2 a", "t0 a"}, a1: {"t0 b", "t2 b"}},
			[]string{`orders[0]: read 2 messages ["t2 a" "t0 a"]`}},
		{"a partition that should be empty fails", map[tp][]string{a0: {"t0 a", "t2 a"}, a1: {"t0 b", "t2 b"}, {"payments", 0}: {"x"}},
			[]string{`payments[0]: read 1 messages ["x"], want the 0 committed []`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(want, tt.got, aborted)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Errorf("verify: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("verify passed, want an error with %q", tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("verify error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestBadFlagsFail(t *testing.T) {
	for _, args := range [][]string{
		{"-abort", "4"},                       // the last of the 5 transactions
		{"-transactions", "1", "-abort", "0"}, // the last too
		{"-abort", "-2"},
		{"-topics", "orders"},
		{"-topics", "orders,orders"},
		{"-n", "0"},
		{"extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded, want an error", args)
		}
	}
	if _, err := parseFlags([]string{"-transactions", "1", "-abort", "-1"}); err != nil {
		t.Errorf("one transaction without an abort: %v", err)
	}
}
