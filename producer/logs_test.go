package producer_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kprod-go/kprod/producer"
)

// logLine is one record a logRecorder received.
type logLine struct {
	level    slog.Level
	facility string
	context  string // the debug context; "" for a line logged whatever debug says
	name     string
	msg      string
}

func (l logLine) String() string {
	return fmt.Sprintf("%v %s [%s] %s: %s", l.level, l.facility, l.context, l.name, l.msg)
}

// logRecorder is a slog.Handler that keeps every record, for WithLogger.
type logRecorder struct {
	mu    sync.Mutex
	lines []logLine
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	l := logLine{level: rec.Level, msg: rec.Message}
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "facility":
			l.facility = a.Value.String()
		case "context":
			l.context = a.Value.String()
		case "name":
			l.name = a.Value.String()
		}
		return true
	})
	r.mu.Lock()
	r.lines = append(r.lines, l)
	r.mu.Unlock()
	return nil
}

// snapshot returns the lines received so far.
func (r *logRecorder) snapshot() []logLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]logLine(nil), r.lines...)
}

// matching returns the lines of facility whose message matches re.
func (r *logRecorder) matching(facility, re string) []logLine {
	rx := regexp.MustCompile(re)
	var out []logLine
	for _, l := range r.snapshot() {
		if l.facility == facility && rx.MatchString(l.msg) {
			out = append(out, l)
		}
	}
	return out
}

// await waits until a line of facility matching re has been logged.
func (r *logRecorder) await(t testing.TB, facility, re string) logLine {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got := r.matching(facility, re); len(got) > 0 {
			return got[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s line matching %q within 10s; lines:\n%s", facility, re, r.dump())
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising on time
	}
}

func (r *logRecorder) dump() string {
	var b strings.Builder
	for _, l := range r.snapshot() {
		b.WriteString(l.String() + "\n")
	}
	return b.String()
}

// contexts returns the debug contexts of the lines received.
func (r *logRecorder) contexts() map[string]int {
	out := map[string]int{}
	for _, l := range r.snapshot() {
		out[l.context]++
	}
	return out
}

// produceAndAwait produces n messages to testTopic and waits for their reports.
func produceAndAwait(t *testing.T, p *producer.Producer, n int) []*producer.Message {
	t.Helper()
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Key: keyFor(i), Value: []byte(fmt.Sprintf("log-%d", i))}, nil))
	}
	ms := pollReports(t, p, n, 20*time.Second)
	for _, m := range ms {
		require.NoError(t, m.Err)
	}
	return ms
}

// debugProducer returns a producer for c with debug set to contexts,
// logging to a recorder.
func debugProducer(t *testing.T, c interface{ ListenAddrs() []string }, contexts string, extra producer.ConfigMap) (*producer.Producer, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	conf := producer.ConfigMap{"bootstrap.servers": strings.Join(c.ListenAddrs(), ","), "linger.ms": 1}
	if contexts != "" {
		conf["debug"] = contexts
	}
	for k, v := range extra {
		conf[k] = v
	}
	return newSecureProducer(t, conf, producer.WithLogger(slog.New(rec))), rec
}

// onlyContext checks that every debug line is of context want.
func onlyContext(t *testing.T, rec *logRecorder, want string) {
	t.Helper()
	for _, l := range rec.snapshot() {
		if l.context != "" && l.context != want {
			t.Errorf("with debug=%s, a line of context %q: %v", want, l.context, l)
		}
		if l.context == want && l.level != slog.LevelDebug {
			t.Errorf("debug line at level %v, want Debug: %v", l.level, l)
		}
	}
}

func TestDebugGenericLogsTheInstanceStartingAndStopping(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "generic", producer.ConfigMap{"client.id": "svc"})
	init := rec.await(t, "INIT", `^kprod \S+ svc#producer-\d+ initialized \(debug generic, log_level 6\)$`)
	require.Regexp(t, `^svc#producer-\d+$`, init.name)
	require.Equal(t, "generic", init.context)
	p.Close()
	require.Len(t, rec.matching("DESTROY", `^Terminating instance \(0 messages without a report\)$`), 1)
	require.Len(t, rec.matching("DESTROY", `^Termination done$`), 1)
	onlyContext(t, rec, "generic")
}

func TestDebugBrokerLogsConnectionsAndDisconnections(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "broker", nil)
	produceAndAwait(t, p, 10)
	addr := regexp.QuoteMeta(c.ListenAddrs()[0])
	rec.await(t, "CONNECT", `^`+addr+`/(bootstrap|\d+): connected \(TCP, TLS, ApiVersions and SASL done in .+\)$`)
	rec.await(t, "STATE", `: broker state change CONNECT -> UP$`)
	p.Close()
	require.NotEmpty(t, rec.matching("BROKERFAIL", `^\S+/(bootstrap|\d): disconnected: `))
	require.Equal(t, len(rec.matching("STATE", "CONNECT -> UP$")), len(rec.matching("STATE", "UP -> DOWN$")),
		"every connection that came up went down at Close")
	onlyContext(t, rec, "broker")
}

func TestDebugBrokerLogsAFailedConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there any more
	rec := &logRecorder{}
	newSecureProducer(t, producer.ConfigMap{"bootstrap.servers": addr, "debug": "broker"}, producer.WithLogger(slog.New(rec)))
	rec.await(t, "CONNECT", `^`+regexp.QuoteMeta(addr)+`/bootstrap: connection failed after .+: `)
	fail := rec.await(t, "FAIL", regexp.QuoteMeta(addr))
	require.Equal(t, slog.LevelError, fail.level)
	require.Empty(t, fail.context)
}

func TestDebugTopicLogsNewTopicsPartitionCountsAndLeaders(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "topic", nil)
	produceAndAwait(t, p, 10)
	rec.await(t, "TOPIC", `^New local topic: events$`)
	rec.await(t, "PARTCNT", `^Topic events partition count changed from 0 to 6$`)
	for i := range 6 {
		rec.await(t, "BRKMIGR", fmt.Sprintf(`^events \[%d\]: migrating from broker -1 to [0-2]$`, i))
	}
	onlyContext(t, rec, "topic")
}

func TestDebugMetadataLogsRequestsAndAnswers(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "metadata", nil)
	produceAndAwait(t, p, 10)
	rec.await(t, "METADATA", `^Requesting metadata for 1 topic\(s\): events$`)
	rec.await(t, "METADATA", `^Received metadata: 3 broker\(s\), 1 topic\(s\)$`)
	for _, a := range c.ListenAddrs() {
		rec.await(t, "METADATA", `^  Broker #\d: `+regexp.QuoteMeta(a)+`$`)
	}
	rec.await(t, "METADATA", `^  Topic events with 6 partition\(s\): Success$`)
	onlyContext(t, rec, "metadata")
}

func TestDebugQueueLogsFlushPurgeAndAFullQueue(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "queue", producer.ConfigMap{"queue.buffering.max.messages": 1, "linger.ms": 10000})
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("a")}, nil))
	err := p.Produce(&producer.Message{Topic: testTopic, Value: []byte("b")}, nil)
	require.ErrorContains(t, err, "queue full")
	rec.await(t, "QUEUEFULL", `^Produce to topic events refused: queue full \(1 message\(s\) held\)$`)
	require.Equal(t, 0, p.Flush(10*time.Second))
	rec.await(t, "FLUSH", `^Flushing 1 message\(s\)$`)
	rec.await(t, "FLUSH", `^Flush done: 0 message\(s\) without a report$`)
	pollReports(t, p, 1, time.Second)
	require.NoError(t, p.Purge(producer.PurgeQueue))
	rec.await(t, "PURGE", `^Purging queued: true, in flight: false \(0 message\(s\) without a report\)$`)
	onlyContext(t, rec, "queue")
}

func TestDebugMsgLogsEachMessage(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "msg", nil)
	ms := produceAndAwait(t, p, 100)
	waitFor(t, 5*time.Second, "a DR line per message", func() bool { return len(rec.matching("DR", "")) == len(ms) })
	for _, m := range ms {
		re := fmt.Sprintf(`^events \[%d\]: message of %d bytes delivered at offset %d$`, m.Partition, len(m.Value), m.Offset)
		require.Len(t, rec.matching("DR", re), 1, re)
	}
	batched := 0
	for _, l := range rec.matching("MSGSET", `delivered by`) {
		var n int
		_, err := fmt.Sscanf(l.msg[strings.Index(l.msg, "with ")+5:], "%d", &n)
		require.NoError(t, err, l.msg)
		batched += n
	}
	require.Equal(t, len(ms), batched, "MSGSET lines count every message once")
	onlyContext(t, rec, "msg")
}

func TestDebugProtocolLogsRequestsAndResponses(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "protocol", nil)
	produceAndAwait(t, p, 10)
	for _, api := range []string{"ApiVersions", "Metadata", "Produce"} {
		rec.await(t, "SEND", `^\S+: sent `+api+`Request \(v\d+, \d+ bytes\)$`)
		rec.await(t, "RECV", `^\S+: received `+api+`Response \(\d+ bytes, rtt \d+\.\d\dms\)$`)
	}
	onlyContext(t, rec, "protocol")
}

func TestDebugSecurityLogsTLSAndSASL(t *testing.T) {
	sc := newSecureCluster(t, "sasl_ssl", "SCRAM-SHA-256", false)
	conf := sc.config("sasl_ssl", "SCRAM-SHA-256")
	conf["debug"] = "security"
	rec := &logRecorder{}
	p := newSecureProducer(t, conf, producer.WithLogger(slog.New(rec)))
	produceAndCheck(t, sc, p, 5)
	rec.await(t, "SSL", `: starting TLS handshake$`)
	rec.await(t, "SSL", `: TLS handshake done: TLS 1\.[23], TLS_\w+, broker certificate subject "CN=broker.*"$`)
	rec.await(t, "SASL", `: authenticating with SASL mechanism SCRAM-SHA-256$`)
	rec.await(t, "SASLAUTH", `: authenticated with SASL SCRAM-SHA-256`)
	onlyContext(t, rec, "security")
}

func TestDebugSecurityLogsARefusedAuthentication(t *testing.T) {
	sc := newSecureCluster(t, "sasl_plaintext", "PLAIN", false)
	conf := sc.config("sasl_plaintext", "PLAIN")
	conf["sasl.password"] = "wrong"
	conf["debug"] = "security"
	rec := &logRecorder{}
	newSecureProducer(t, conf, producer.WithLogger(slog.New(rec)))
	rec.await(t, "SASLAUTH", `: SASL PLAIN authentication failed: `)
	fail := rec.await(t, "FAIL", `SASL`)
	require.Equal(t, slog.LevelError, fail.level, "an authentication failure is logged whatever debug says")
}

func TestDebugEOSLogsTheProducerIDAndEpochBumps(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "eos", idempotent)
	produceAndAwait(t, p, 10)
	rec.await(t, "IDEMPSTATE", `^Idempotent producer state change to RequestPID: acquiring a producer id$`)
	rec.await(t, "IDEMPSTATE", `^Idempotent producer state change RequestPID -> Assigned: ProducerId \d+, epoch 0$`)
	faultProduce(c, kerr.UnknownProducerID, 1)
	produceAndAwait(t, p, 10)
	rec.await(t, "IDEMPSTATE", `^Idempotent producer state change to DrainBump: bumping the epoch \(.+\)$`)
	rec.await(t, "IDEMPSTATE", `^Idempotent producer state change DrainBump -> Assigned: ProducerId \d+, epoch bumped to 1; every partition's sequence restarts at 0$`)
	onlyContext(t, rec, "eos")
}

func TestDebugAllLogsEveryContext(t *testing.T) {
	c := newCluster(t)
	p, rec := debugProducer(t, c, "all", idempotent)
	produceAndAwait(t, p, 10)
	require.Equal(t, 0, p.Flush(10*time.Second))
	p.Close()
	got := rec.contexts()
	for _, ctx := range []string{"generic", "broker", "topic", "metadata", "queue", "msg", "protocol", "eos"} {
		require.NotZero(t, got[ctx], "no line of context %s:\n%s", ctx, rec.dump())
	}
}

func TestNothingIsLoggedPerMessageWithoutDebug(t *testing.T) {
	c := newCluster(t)
	rec := &logRecorder{}
	p := newProducer(t, c, producer.ConfigMap{"linger.ms": 1, "log_level": 7}, producer.WithLogger(slog.New(rec)))
	produceAndAwait(t, p, 1000)
	require.Equal(t, 0, p.Flush(10*time.Second))
	p.Close()
	require.Empty(t, rec.snapshot(), "lines logged without debug:\n%s", rec.dump())
}

func TestLogLevelFiltersTheLinesLoggedWithoutDebug(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	for _, level := range []int{2, 3} {
		t.Run(fmt.Sprintf("log_level %d", level), func(t *testing.T) {
			rec := &logRecorder{}
			p := newSecureProducer(t, producer.ConfigMap{"bootstrap.servers": addr, "log_level": level}, producer.WithLogger(slog.New(rec)))
			awaitError(t, p, producer.ErrTransport, 10*time.Second) // the failure has been told: its line came first
			p.Close()
			if level < 3 {
				require.Empty(t, rec.snapshot())
				return
			}
			require.NotEmpty(t, rec.matching("FAIL", regexp.QuoteMeta(addr)))
		})
	}
}

func TestLogsChannelCarriesConfluentShapedEvents(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{"go.logs.channel.enable": true, "debug": "generic,topic", "client.id": "chan"})
	produceAndAwait(t, p, 5)
	var events []producer.LogEvent
	p.Close()
	for e := range p.Logs() { // Close closed it
		events = append(events, e)
	}
	tags := map[string]bool{}
	for _, e := range events {
		require.Regexp(t, `^chan#producer-\d+$`, e.Name)
		require.Equal(t, 7, e.Level)
		require.False(t, e.Timestamp.IsZero())
		tags[e.Tag] = true
	}
	for _, tag := range []string{"INIT", "TOPIC", "PARTCNT", "BRKMIGR", "DESTROY"} {
		require.True(t, tags[tag], "no %s event in %v", tag, events)
	}
}

func TestLogsIsNilWithoutTheChannel(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	require.Nil(t, p.Logs())
}

func TestWithLoggerAndTheLogsChannelCannotBeCombined(t *testing.T) {
	_, err := producer.New(producer.ConfigMap{"bootstrap.servers": "localhost:9092", "go.logs.channel.enable": true},
		producer.WithLogger(slog.Default()))
	require.ErrorContains(t, err, "go.logs.channel.enable and WithLogger cannot be combined")
	var kerr producer.Error
	require.ErrorAs(t, err, &kerr)
	require.Equal(t, producer.ErrInvalidArg, kerr.Code())
}

func TestWithoutALoggerLinesGoToSlogDefault(t *testing.T) {
	rec := &logRecorder{}
	old := slog.Default()
	slog.SetDefault(slog.New(rec))
	t.Cleanup(func() { slog.SetDefault(old) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := newSecureProducer(t, producer.ConfigMap{"bootstrap.servers": addr})
	awaitError(t, p, producer.ErrTransport, 10*time.Second)
	fail := rec.await(t, "FAIL", regexp.QuoteMeta(addr))
	require.Equal(t, slog.LevelError, fail.level)
	require.Regexp(t, `^rdkafka#producer-\d+$`, fail.name)
}

func TestGoLogsChannelIsTheApplicationsChannelAndStaysOpen(t *testing.T) {
	c := newCluster(t)
	ch := make(chan producer.LogEvent, 1000)
	p := newProducer(t, c, producer.ConfigMap{"go.logs.channel.enable": true, "go.logs.channel": ch, "debug": "generic"})
	require.Equal(t, ch, p.Logs())
	p.Close()
	var tags []string
	for done := false; !done; {
		select {
		case e, ok := <-ch:
			require.True(t, ok, "Close closed the application's channel")
			tags = append(tags, e.Tag)
		default:
			done = true
		}
	}
	require.Equal(t, []string{"INIT", "DESTROY", "DESTROY"}, tags)
}

func TestGoLogsChannelTakesOnlyAChannelOfLogEvent(t *testing.T) {
	for _, v := range []any{"x", make(chan string), 5} {
		_, err := producer.New(producer.ConfigMap{"bootstrap.servers": "localhost:9092", "go.logs.channel.enable": true, "go.logs.channel": v})
		require.ErrorContains(t, err, fmt.Sprintf(`Invalid value type %T for configuration property "go.logs.channel": expected chan producer.LogEvent`, v))
	}
}

func TestAFatalErrorIsLoggedWithoutDebug(t *testing.T) {
	c := newCluster(t)
	rec := &logRecorder{}
	p := newProducer(t, c, idempotent, producer.WithLogger(slog.New(rec)))
	produceSequence(t, p, 10, 10*time.Second)
	faultProduce(c, kerr.OutOfOrderSequenceNumber, 1)
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte("x")}, nil))
	fatal := rec.await(t, "FATAL", `^Fatal error: OUT_OF_ORDER_SEQUENCE_NUMBER: .*events \[0\]`)
	require.Equal(t, slog.LevelError, fatal.level)
	require.Empty(t, fatal.context)
}

func TestAFullLogsChannelDropsLinesAndTheNextLineCountsThem(t *testing.T) {
	c := newCluster(t)
	ch := make(chan producer.LogEvent, 1)
	p := newProducer(t, c, producer.ConfigMap{"go.logs.channel.enable": true, "go.logs.channel": ch, "debug": "generic,topic"})
	produceAndAwait(t, p, 10) // TOPIC, PARTCNT and a BRKMIGR per partition find the channel full
	first := <-ch
	require.Equal(t, "INIT", first.Tag)
	p.Close()
	next := <-ch
	require.Equal(t, "DESTROY", next.Tag)
	require.Regexp(t, `^Terminating instance \(0 messages without a report\) \(8 earlier log line\(s\) dropped: the Logs channel was full\)$`, next.Message)
}

func TestDebugSecurityLogsReauthentication(t *testing.T) {
	sc := newSecureCluster(t, "sasl_plaintext", "SCRAM-SHA-512", false,
		kfake.BrokerConfigs(map[string]string{"connections.max.reauth.ms": "600"}))
	conf := sc.config("sasl_plaintext", "SCRAM-SHA-512")
	conf["debug"] = "security"
	rec := &logRecorder{}
	p := newSecureProducer(t, conf, producer.WithLogger(slog.New(rec)))
	produceAndCheck(t, sc, p, 5)
	rec.await(t, "SASLAUTH", `: authenticated with SASL SCRAM-SHA-512; session lifetime \d+ms, re-authenticating before it ends$`)
	rec.await(t, "SASL", `: re-authenticating with SASL mechanism SCRAM-SHA-512$`)
	rec.await(t, "SASLAUTH", `: re-authenticated with SASL SCRAM-SHA-512; session lifetime \d+ms`)
}
