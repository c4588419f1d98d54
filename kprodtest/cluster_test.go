package kprodtest_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
)

func TestNewClusterRefusesABadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  kprodtest.Option
	}{
		{"no brokers", kprodtest.WithBrokers(0)},
		{"a topic without partitions", kprodtest.WithTopic("t", 0)},
		{"a topic without a name", kprodtest.WithTopic("", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := kprodtest.NewCluster(tc.opt); err == nil {
				c.Close()
				t.Fatal("NewCluster succeeded, want an error")
			}
		})
	}
}

func TestAClusterHasItsBrokersAndTopics(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithBrokers(2), kprodtest.WithTopic("a", 3), kprodtest.WithTopic("b", 1))
	if got := strings.Split(c.BootstrapServers(), ","); len(got) != 2 {
		t.Fatalf("BootstrapServers() = %q, want 2 addresses", c.BootstrapServers())
	}
	if got := c.Brokers(); !slices.Equal(got, []int32{0, 1}) {
		t.Fatalf("Brokers() = %v, want [0 1]", got)
	}
	if got := c.Partitions("a"); got != 3 {
		t.Fatalf("Partitions(a) = %d, want 3", got)
	}
	if got := c.Partitions("b"); got != 1 {
		t.Fatalf("Partitions(b) = %d, want 1", got)
	}
	if got := c.Partitions("missing"); got != 0 {
		t.Fatalf("Partitions(missing) = %d, want 0", got)
	}
	if err := c.CreateTopic("c", 4); err != nil {
		t.Fatal(err)
	}
	if got := c.Partitions("c"); got != 4 {
		t.Fatalf("Partitions(c) = %d, want 4", got)
	}
	if got := c.Leader("missing", 0); got != -1 {
		t.Fatalf("Leader(missing, 0) = %d, want -1", got)
	}
}

func TestRecordsReturnsEveryFieldOfEveryRecord(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 2))
	p := newProducer(t, c, nil)
	ts := time.UnixMilli(1_700_000_000_123)
	ms := append(messages("events", 1, 0, 3), messages("events", 0, 3, 2)...)
	for _, m := range ms {
		m.Timestamp = ts
		m.Headers = []producer.Header{{Key: "trace", Value: m.Key}, {Key: "empty", Value: nil}}
	}
	ms = append(ms, &producer.Message{Topic: "events", Partition: 0, Value: nil, Timestamp: ts}) // a tombstone without a key
	requireDelivered(t, deliver(t, p, ms))

	rs := records(t, c, "events")
	if len(rs) != 6 {
		t.Fatalf("got %d records, want 6: %+v", len(rs), rs)
	}
	type want struct {
		partition int32
		offset    int64
		key, val  string
	}
	wants := []want{{0, 0, "k003", "v003"}, {0, 1, "k004", "v004"}, {0, 2, "", ""}, {1, 0, "k000", "v000"}, {1, 1, "k001", "v001"}, {1, 2, "k002", "v002"}}
	for i, w := range wants {
		r := rs[i]
		if r.Topic != "events" || r.Partition != w.partition || r.Offset != w.offset || string(r.Key) != w.key || string(r.Value) != w.val {
			t.Fatalf("record %d = %s[%d]@%d %q=%q, want events[%d]@%d %q=%q", i, r.Topic, r.Partition, r.Offset, r.Key, r.Value, w.partition, w.offset, w.key, w.val)
		}
		if !r.Timestamp.Equal(ts) || r.TimestampType != producer.TimestampCreateTime {
			t.Fatalf("record %d: timestamp %v (%v), want %v (CreateTime)", i, r.Timestamp, r.TimestampType, ts)
		}
		if w.key == "" {
			if r.Key != nil || r.Value != nil || r.Headers != nil {
				t.Fatalf("record %d: key %v value %v headers %v, want all nil", i, r.Key, r.Value, r.Headers)
			}
			continue
		}
		if len(r.Headers) != 2 || r.Headers[0].Key != "trace" || !bytes.Equal(r.Headers[0].Value, r.Key) ||
			r.Headers[1].Key != "empty" || r.Headers[1].Value != nil {
			t.Fatalf("record %d: headers %v, want [trace=%q empty=nil]", i, r.Headers, r.Key)
		}
	}
	if _, err := c.Records(context.Background(), "missing"); err == nil {
		t.Fatal("Records of a missing topic succeeded")
	}
}

func TestRecordsReadsCommittedByDefaultAndUncommittedOnRequest(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, producer.ConfigMap{"transactional.id": "tx"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	txn := func(first int, commit bool) {
		t.Helper()
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		requireDelivered(t, deliver(t, p, messages("events", 0, first, 2)))
		end := p.CommitTransaction
		if !commit {
			end = p.AbortTransaction
		}
		if err := end(ctx); err != nil {
			t.Fatal(err)
		}
	}
	txn(0, true)  // offsets 0, 1, commit marker 2
	txn(2, false) // offsets 3, 4, abort marker 5
	txn(4, true)  // offsets 6, 7, commit marker 8

	var got []string
	for _, r := range records(t, c, "events") {
		got = append(got, string(r.Value))
		if !r.Transactional || r.ProducerID < 0 {
			t.Fatalf("record %q: transactional %v, producer ID %d", r.Value, r.Transactional, r.ProducerID)
		}
	}
	if want := []string{"v000", "v001", "v004", "v005"}; !slices.Equal(got, want) {
		t.Fatalf("read_committed: got %q, want %q", got, want)
	}
	got = got[:0]
	for _, r := range records(t, c, "events", kprodtest.ReadUncommitted()) {
		got = append(got, string(r.Value))
	}
	if want := []string{"v000", "v001", "v002", "v003", "v004", "v005"}; !slices.Equal(got, want) {
		t.Fatalf("read_uncommitted: got %q, want %q", got, want)
	}
}

func TestMoveLeaderSendsTheProducerToTheNewLeader(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true})
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 10)))

	old := c.Leader("events", 0)
	to := (old + 1) % 3
	// A zero-length delay on the new leader counts the Produce requests it gets.
	atNew := c.DelayProduce(0, kprodtest.Forever, kprodtest.OnBroker(to))
	if err := c.MoveLeader("events", 0, to); err != nil {
		t.Fatal(err)
	}
	if got := c.Leader("events", 0); got != to {
		t.Fatalf("Leader after MoveLeader = %d, want %d", got, to)
	}
	requireDelivered(t, deliver(t, p, messages("events", 0, 10, 10)))
	if atNew.Hits() == 0 {
		t.Fatalf("no Produce request reached the new leader %d", to)
	}
	requireLog(t, records(t, c, "events"), 0, 0, 20)

	if err := c.MoveLeader("events", 0, 7); err == nil {
		t.Fatal("MoveLeader to a broker that does not exist succeeded")
	}
}

func TestAStoppedBrokerRefusesConnectionsUntilStarted(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 6))
	addr := strings.Split(c.BootstrapServers(), ",")[1]
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := c.StopBroker(1); err != nil {
		t.Fatal(err)
	}
	// The open connection is closed by the broker.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("read on a connection to the stopped broker: %v, want it closed", err)
	}
	if c2, err := net.Dial("tcp", addr); err == nil {
		c2.Close()
		t.Fatal("dialling the stopped broker succeeded")
	}
	for p := int32(0); p < 6; p++ {
		if l := c.Leader("events", p); l == 1 {
			t.Fatalf("the stopped broker still leads partition %d", p)
		}
	}
	if err := c.StopBroker(1); err == nil {
		t.Fatal("stopping a stopped broker succeeded")
	}
	if err := c.StartBroker(1); err != nil {
		t.Fatal(err)
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dialling the started broker: %v", err)
	}
	c2.Close()
	if err := c.StartBroker(1); err == nil {
		t.Fatal("starting a running broker succeeded")
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestAProducerRidesOutAStoppedAndRestartedBroker(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true})
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 10)))

	leader := c.Leader("events", 0)
	if err := c.StopBroker(leader); err != nil {
		t.Fatal(err)
	}
	requireDelivered(t, deliver(t, p, messages("events", 0, 10, 10)))
	if err := c.StartBroker(leader); err != nil {
		t.Fatal(err)
	}
	if err := c.MoveLeader("events", 0, leader); err != nil {
		t.Fatal(err)
	}
	requireDelivered(t, deliver(t, p, messages("events", 0, 20, 10)))
	requireLog(t, records(t, c, "events"), 0, 0, 30)
}

func TestMessagesWaitForTheOnlyBrokerToStartAgain(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithBrokers(1), kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true})
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 5)))

	if err := c.StopBroker(0); err != nil {
		t.Fatal(err)
	}
	for _, m := range messages("events", 0, 5, 5) {
		if err := p.Produce(m, nil); err != nil {
			t.Fatal(err)
		}
	}
	if left := p.Flush(300 * time.Millisecond); left != 5 {
		t.Fatalf("Flush with the only broker stopped left %d messages, want 5", left)
	}
	if err := c.StartBroker(0); err != nil {
		t.Fatal(err)
	}
	requireDelivered(t, reports(t, p, 5, 10*time.Second))
	requireLog(t, records(t, c, "events"), 0, 0, 10)
}

func TestEveryBrokerStoppedAndStartedAgainServesAgain(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithBrokers(2), kprodtest.WithTopic("events", 2))
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true})
	requireDelivered(t, deliver(t, p, append(messages("events", 0, 0, 3), messages("events", 1, 100, 3)...)))

	for _, id := range []int32{0, 1} {
		if err := c.StopBroker(id); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range append(messages("events", 0, 3, 3), messages("events", 1, 103, 3)...) {
		if err := p.Produce(m, nil); err != nil {
			t.Fatal(err)
		}
	}
	if left := p.Flush(200 * time.Millisecond); left != 6 {
		t.Fatalf("Flush with every broker stopped left %d messages, want 6", left)
	}
	for _, id := range []int32{1, 0} {
		if err := c.StartBroker(id); err != nil {
			t.Fatal(err)
		}
	}
	requireDelivered(t, reports(t, p, 6, 10*time.Second))
	for part := int32(0); part < 2; part++ {
		if l := c.Leader("events", part); l != 0 && l != 1 {
			t.Fatalf("partition %d led by %d, want a running broker", part, l)
		}
	}
	rs := records(t, c, "events")
	requireLog(t, rs, 0, 0, 6)
	requireLog(t, rs, 1, 100, 6)
}

func TestAutoCreatedTopicsHaveTheGivenPartitions(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithAutoCreateTopics(4))
	p := newProducer(t, c, nil)
	requireDelivered(t, deliver(t, p, messages("fresh", 3, 0, 2)))
	if got := c.Partitions("fresh"); got != 4 {
		t.Fatalf("Partitions(fresh) = %d, want 4", got)
	}
	requireLog(t, records(t, c, "fresh"), 3, 0, 2)
}

func TestWithLoggerGetsTheBrokersLogs(t *testing.T) {
	var buf syncBuffer
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1),
		kprodtest.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	p := newProducer(t, c, nil)
	c.DelayProduce(time.Millisecond, 1)
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 1)))
	for _, want := range []string{
		"level=DEBUG msg=request broker=", "key=Produce", "key=Metadata",
		`level=INFO msg="request delayed"`, "delay=1ms", "component=kprodtest",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Fatalf("the log has no %q:\n%s", want, buf.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
