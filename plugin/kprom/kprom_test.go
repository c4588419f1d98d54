package kprom_test

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/plugin/kprom"
	"github.com/kprod-go/kprod/producer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// scrape fetches url and parses the text exposition format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: status %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value returns the value of the series of family name whose labels
// include want, summed over the series that match; found is false when
// none does.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, found bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		found = true
		switch {
		case m.Counter != nil:
			v += m.GetCounter().GetValue()
		case m.Histogram != nil:
			v += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return v, found
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// labelValues returns the values label takes among the series of name.
func labelValues(fams map[string]*dto.MetricFamily, name, label string) []string {
	seen := map[string]bool{}
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				seen[l.GetValue()] = true
			}
		}
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func TestMetricsScrapedOverHTTPAfterTraffic(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "events"), kfake.SeedTopics(1, "refused"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "refused", Err: kerr.InvalidRecord})

	m := kprom.NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

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

	fams := scrape(t, srv.URL)
	const produced = 6 * perPartition
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kprod_produce_records_total", map[string]string{"topic": "events"}, produced},
		{"kprod_produce_batches_total", map[string]string{"topic": "events"}, 6},
		{"kprod_delivery_reports_total", map[string]string{"topic": "events", "outcome": "delivered", "error": ""}, produced},
		{"kprod_delivery_reports_total", map[string]string{"topic": "events", "outcome": "failed"}, 0},
		{"kprod_delivery_reports_total", map[string]string{"topic": "refused", "outcome": "failed", "error": "INVALID_RECORD"}, 1},
		{"kprod_delivery_duration_seconds", map[string]string{"topic": "events"}, produced},
		{"kprod_delivery_duration_seconds", map[string]string{"topic": "refused"}, 1},
		{"kprod_produce_records_total", map[string]string{"topic": "refused"}, 0},
		{"kprod_connect_errors_total", nil, 0},
	} {
		got, _ := value(fams, tc.name, tc.labels)
		if got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}

	uncompressed, _ := value(fams, "kprod_produce_uncompressed_bytes_total", map[string]string{"topic": "events"})
	compressed, _ := value(fams, "kprod_produce_compressed_bytes_total", map[string]string{"topic": "events"})
	if uncompressed < produced*200 || compressed <= 0 || compressed >= uncompressed {
		t.Errorf("uncompressed bytes %v, compressed %v: want at least %d uncompressed, and fewer compressed (gzip of zeroes)", uncompressed, compressed, produced*200)
	}

	connects, _ := value(fams, "kprod_connects_total", nil)
	disconnects, _ := value(fams, "kprod_disconnects_total", nil)
	if connects < 2 || disconnects != connects {
		t.Errorf("connects %v, disconnects %v: want at least 2 (control and produce), all closed by Close", connects, disconnects)
	}
	for _, id := range labelValues(fams, "kprod_connects_total", "node_id") {
		if id != "0" && id != "1" && id != "2" && id != "bootstrap" {
			t.Errorf("node_id %q, want a broker id or bootstrap", id)
		}
	}

	produce := map[string]string{"api": "Produce"}
	written, _ := value(fams, "kprod_requests_written_total", produce)
	answered, _ := value(fams, "kprod_request_duration_seconds", produce)
	readErrors, _ := value(fams, "kprod_read_errors_total", produce)
	if written < 1 || answered != written || readErrors != 0 {
		t.Errorf("Produce requests written %v, answered %v, unanswered %v: want every one answered", written, answered, readErrors)
	}
	if b, _ := value(fams, "kprod_write_bytes_total", produce); b <= compressed {
		t.Errorf("Produce bytes written %v, want the compressed batches (%v) and framing", b, compressed)
	}
	if b, _ := value(fams, "kprod_read_bytes_total", produce); b <= 0 {
		t.Errorf("Produce bytes read %v, want some", b)
	}
	if _, found := value(fams, "kprod_requests_written_total", map[string]string{"api": "Metadata"}); !found {
		t.Error("no Metadata request counted")
	}
	for _, name := range []string{"kprod_throttle_duration_seconds", "kprod_write_errors_total"} {
		if _, found := value(fams, name, nil); found {
			t.Errorf("%s has series, want none: nothing was throttled or failed to be written", name)
		}
	}
}
