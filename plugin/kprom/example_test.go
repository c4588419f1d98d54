package kprom_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/kprod-go/kprod/plugin/kprom"
	"github.com/kprod-go/kprod/producer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Register the metrics, give them to the producer as hooks, and serve the
// registry (promhttp.HandlerFor) as usual. Here the figures are read back
// directly, against an in-process broker.
func Example() {
	cluster, err := kfake.NewCluster(kfake.SeedTopics(1, "orders"))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	metrics := kprom.NewMetrics()
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics)

	p, err := producer.New(producer.ConfigMap{"bootstrap.servers": strings.Join(cluster.ListenAddrs(), ",")},
		producer.WithHooks(metrics))
	if err != nil {
		panic(err)
	}
	for i := range 3 {
		_ = p.Produce(&producer.Message{Topic: "orders", Value: []byte(fmt.Sprint("order ", i))}, nil)
	}
	p.Flush(10 * time.Second)
	p.Close()

	err = testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP kprod_produce_records_total Records written to the log.
# TYPE kprod_produce_records_total counter
kprod_produce_records_total{topic="orders"} 3
# HELP kprod_delivery_reports_total Delivery reports, by outcome (delivered or failed) and error name.
# TYPE kprod_delivery_reports_total counter
kprod_delivery_reports_total{error="",outcome="delivered",topic="orders"} 3
`), "kprod_produce_records_total", "kprod_delivery_reports_total")
	fmt.Println("metrics as expected:", err == nil)
	// Output: metrics as expected: true
}
