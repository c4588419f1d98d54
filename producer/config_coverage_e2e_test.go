package producer_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kprod-go/kprod/producer"
)

// A confluent-kafka-go service's configuration, shared with its consumer:
// consumer properties are ignored with one warning each, the others are
// applied or accepted, and the producer delivers.
func TestConfigConsumerPropertiesWarnOnceAndProducerWorks(t *testing.T) {
	c := newCluster(t)
	rec := &logRecorder{}
	p := newProducer(t, c, producer.ConfigMap{
		"group.id":                    "orders",
		"auto.offset.reset":           "earliest",
		"enable.auto.commit":          false,
		"session.timeout.ms":          6000,
		"enabled_events":              3,
		"api.version.request":         true,
		"broker.address.family":       "v4",
		"log_level":                   6,
		"connections.max.idle.ms":     0,
		"client.dns.lookup":           "use_all_dns_ips",
		"socket.nagle.disable":        false,
		"socket.send.buffer.bytes":    131072,
		"socket.receive.buffer.bytes": 131072,
		"client.rack":                 "rack-1",
		"metadata.recovery.strategy":  "rebootstrap",
		"go.events.channel.size":      100,
		"go.batch.producer":           true,
	}, producer.WithLogger(slog.New(rec)))
	const n = 10
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Key: keyFor(i), Value: []byte("v")}, nil))
	}
	for _, m := range pollReports(t, p, n, 10*time.Second) {
		require.NoError(t, m.Err)
	}
	require.Len(t, consume(t, c, testTopic, n), n)

	var got []string
	for _, l := range rec.snapshot() {
		if l.facility == "CONFWARN" {
			require.Equal(t, slog.LevelWarn, l.level, "level of %s", l)
			got = append(got, l.msg)
		}
	}
	require.Equal(t, []string{
		"Configuration property api.version.request is deprecated: kprod always asks a broker for its request versions.",
		"Configuration property auto.offset.reset is a consumer property and will be ignored by this producer instance",
		"Configuration property enable.auto.commit is a consumer property and will be ignored by this producer instance",
		"Configuration property enabled_events does not apply to kprod and is ignored: librdkafka's event mask for its C event API",
		"Configuration property group.id is a consumer property and will be ignored by this producer instance",
		"Configuration property session.timeout.ms is a consumer property and will be ignored by this producer instance",
	}, got)
}

func TestConfigValue(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, producer.ConfigMap{
		"go.events.channel.size": "500",
		"queue.buffering.max.ms": 2.5,
		"enable.idempotence":     true,
		"group.id":               "g",
		"broker.address.family":  "V6",
		"api.version.request":    "t",
	})
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"go.events.channel.size", "500", true},
		{"go.produce.channel.size", "1000000", true},
		{"go.delivery.report.fields", "key,value", true},
		{"go.delivery.reports", "true", true},
		{"linger.ms", "2.5", true},
		{"queue.buffering.max.ms", "2.5", true},
		{"max.in.flight.requests.per.connection", "5", true},
		{"broker.address.family", "v6", true},
		{"api.version.request", "true", true},
		{"broker.version.fallback", "0.10.0", true},
		{"group.id", "g", true},
		{"auto.offset.reset", "", true},
		{"dr_msg_cb", "", false},
		{"linger.m", "", false},
	}
	for _, tt := range tests {
		got, ok := p.ConfigValue(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ConfigValue(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// broker.address.family picks the network each broker is dialed on; v6
// cannot reach brokers that listen on 127.0.0.1.
func TestConfigBrokerAddressFamily(t *testing.T) {
	for _, tt := range []struct {
		family, network string
		delivers        bool
	}{
		{"any", "tcp", true},
		{"v4", "tcp4", true},
		{"v6", "tcp6", false},
	} {
		t.Run(tt.family+" dials "+tt.network, func(t *testing.T) {
			c := newCluster(t)
			var mu sync.Mutex
			networks := map[string]int{}
			dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
				mu.Lock()
				networks[network]++
				mu.Unlock()
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}
			p := newProducer(t, c, producer.ConfigMap{
				"broker.address.family": tt.family, "delivery.timeout.ms": 1000,
			}, producer.WithDialer(dial))
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("v")}, nil))
			m := pollReports(t, p, 1, 10*time.Second)[0]
			if tt.delivers {
				require.NoError(t, m.Err)
			} else {
				require.Error(t, m.Err)
			}
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []string{tt.network}, keys(networks), "networks dialed")
		})
	}
}

func keys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// api.version.request.timeout.ms fails a connection whose broker does not
// answer ApiVersions, long before socket.connection.setup.timeout.ms.
func TestConfigApiVersionRequestTimeout(t *testing.T) {
	c := newCluster(t)
	c.ControlKey(int16(kmsg.ApiVersions), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return nil, nil, true // no answer
	})
	p := newProducer(t, c, producer.ConfigMap{"api.version.request.timeout.ms": 200})
	deadline := time.Now().Add(10 * time.Second)
	for {
		require.True(t, time.Now().Before(deadline), "no connection failure within 10 s")
		if e, ok := p.Poll(100 * time.Millisecond).(producer.Error); ok {
			require.True(t, strings.Contains(e.Error(), "api.version.request.timeout.ms 200ms passed"), "error %q", e.Error())
			return
		}
	}
}

// disconnects records why each connection ended.
type disconnects struct {
	mu   sync.Mutex
	errs []error
}

func (d *disconnects) OnBrokerDisconnect(e producer.BrokerDisconnect) {
	d.mu.Lock()
	d.errs = append(d.errs, e.Err)
	d.mu.Unlock()
}

// idle counts the connections closed for being idle.
func (d *disconnects) idle() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, err := range d.errs {
		if strings.Contains(err.Error(), "connections.max.idle.ms") {
			n++
		}
	}
	return n
}

// connections.max.idle.ms closes connections nothing goes over; the next
// message reconnects and is delivered.
func TestConfigConnectionsMaxIdle(t *testing.T) {
	c := newCluster(t)
	d := &disconnects{}
	p := newProducer(t, c, producer.ConfigMap{
		"connections.max.idle.ms": 200, "topic.metadata.refresh.interval.ms": -1,
	}, producer.WithHooks(d))
	produce := func(value string) {
		t.Helper()
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Partition: 0, Value: []byte(value)}, nil))
		m := pollReports(t, p, 1, 10*time.Second)[0]
		require.NoError(t, m.Err)
	}
	produce("before")
	waitFor(t, 10*time.Second, "an idle connection closed", func() bool { return d.idle() > 0 })
	produce("after")
	recs := consume(t, c, testTopic, 2)
	require.Equal(t, "before", string(recs[0].Value))
	require.Equal(t, "after", string(recs[1].Value))
}
