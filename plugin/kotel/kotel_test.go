package kotel_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/plugin/kotel"
	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// collected indexes what a ManualReader collected by instrument name.
type collected map[string]metricdata.Metrics

func collect(t *testing.T, r *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := collected{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != kotel.ScopeName {
			t.Fatalf("scope %q, want %q", sm.Scope.Name, kotel.ScopeName)
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// matches reports whether set has every attribute of want.
func matches(set attribute.Set, want map[string]string) bool {
	for k, v := range want {
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.AsString() != v {
			return false
		}
	}
	return true
}

// value sums the points of name whose attributes include want: counter
// values, or histogram counts. found is false when no point matches.
func (c collected) value(name string, want map[string]string) (v float64, found bool) {
	switch d := c[name].Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				v, found = v+float64(p.Value), true
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				v, found = v+float64(p.Count), true
			}
		}
	}
	return v, found
}

// attrValues returns the values attribute key takes among name's points.
func (c collected) attrValues(name, key string) map[string]bool {
	out := map[string]bool{}
	if d, ok := c[name].Data.(metricdata.Sum[int64]); ok {
		for _, p := range d.DataPoints {
			if v, ok := p.Attributes.Value(attribute.Key(key)); ok {
				out[v.AsString()] = true
			}
		}
	}
	return out
}

func TestMetricsReadBackThroughTheManualReader(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "events"), kfake.SeedTopics(1, "refused"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "refused", Err: kerr.InvalidRecord})

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	m, err := kotel.NewMetrics(mp)
	if err != nil {
		t.Fatal(err)
	}

	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers": strings.Join(c.ListenAddrs(), ","),
		"linger.ms":         60_000, // one batch per partition, sent by Flush
		"compression.codec": "gzip",
	}, producer.WithHooks(m))
	if err != nil {
		t.Fatal(err)
	}
	const perPartition = 5
	for part := range int32(6) {
		for range perPartition {
			if err := p.Produce(&producer.Message{Topic: "events", Partition: part, Value: make([]byte, 200)}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.Produce(&producer.Message{Topic: "refused", Partition: 0, Value: []byte("x")}, nil); err != nil {
		t.Fatal(err)
	}
	if left := p.Flush(10 * time.Second); left != 0 {
		t.Fatalf("%d messages left after Flush", left)
	}
	p.Close()

	got := collect(t, reader)
	const produced = 6 * perPartition
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kprod.produce.records", map[string]string{"topic": "events"}, produced},
		{"kprod.produce.batches", map[string]string{"topic": "events"}, 6},
		{"kprod.delivery.reports", map[string]string{"topic": "events", "outcome": "delivered", "error": ""}, produced},
		{"kprod.delivery.reports", map[string]string{"topic": "events", "outcome": "failed"}, 0},
		{"kprod.delivery.reports", map[string]string{"topic": "refused", "outcome": "failed", "error": "INVALID_RECORD"}, 1},
		{"kprod.delivery.duration", map[string]string{"topic": "events"}, produced},
		{"kprod.delivery.duration", map[string]string{"topic": "refused"}, 1},
		{"kprod.produce.records", map[string]string{"topic": "refused"}, 0},
		{"kprod.connect_errors", nil, 0},
	} {
		v, _ := got.value(tc.name, tc.labels)
		if v != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, v, tc.want)
		}
	}
	for name, unit := range map[string]string{
		"kprod.produce.records": "{record}", "kprod.produce.compressed_bytes": "By",
		"kprod.request.duration": "s", "kprod.delivery.duration": "s", "kprod.connects": "{connection}",
	} {
		if got[name].Unit != unit {
			t.Errorf("%s has unit %q, want %q", name, got[name].Unit, unit)
		}
	}

	uncompressed, _ := got.value("kprod.produce.uncompressed_bytes", map[string]string{"topic": "events"})
	compressed, _ := got.value("kprod.produce.compressed_bytes", map[string]string{"topic": "events"})
	if uncompressed < produced*200 || compressed <= 0 || compressed >= uncompressed {
		t.Errorf("uncompressed bytes %v, compressed %v: want at least %d uncompressed, and fewer compressed (gzip of zeroes)", uncompressed, compressed, produced*200)
	}

	connects, _ := got.value("kprod.connects", nil)
	disconnects, _ := got.value("kprod.disconnects", nil)
	if connects < 2 || disconnects != connects {
		t.Errorf("connects %v, disconnects %v: want at least 2 (control and produce), all closed by Close", connects, disconnects)
	}
	for id := range got.attrValues("kprod.connects", "node_id") {
		if id != "0" && id != "1" && id != "2" && id != "bootstrap" {
			t.Errorf("node_id %q, want a broker id or bootstrap", id)
		}
	}

	produce := map[string]string{"api": "Produce"}
	written, _ := got.value("kprod.requests_written", produce)
	answered, _ := got.value("kprod.request.duration", produce)
	readErrors, _ := got.value("kprod.read_errors", produce)
	if written < 1 || answered != written || readErrors != 0 {
		t.Errorf("Produce requests written %v, answered %v, unanswered %v: want every one answered", written, answered, readErrors)
	}
	if b, _ := got.value("kprod.write_bytes", produce); b <= compressed {
		t.Errorf("Produce bytes written %v, want the compressed batches (%v) and framing", b, compressed)
	}
	if b, _ := got.value("kprod.read_bytes", produce); b <= 0 {
		t.Errorf("Produce bytes read %v, want some", b)
	}
	if _, found := got.value("kprod.requests_written", map[string]string{"api": "Metadata"}); !found {
		t.Error("no Metadata request counted")
	}
	for _, name := range []string{"kprod.throttle.duration", "kprod.write_errors"} {
		if _, found := got.value(name, nil); found {
			t.Errorf("%s has points, want none: nothing was throttled or failed to be written", name)
		}
	}
}
