package kotel_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kprod-go/kprod/plugin/kotel"
	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kfake"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Make the metrics with the application's MeterProvider and give them to
// the producer as hooks. Here a ManualReader reads them back, against an
// in-process broker.
func Example() {
	cluster, err := kfake.NewCluster(kfake.SeedTopics(1, "orders"))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	metrics, err := kotel.NewMetrics(mp)
	if err != nil {
		panic(err)
	}

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

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "kprod.produce.records" {
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					topic, _ := dp.Attributes.Value("topic")
					fmt.Printf("%s %s=%s %d%s\n", m.Name, "topic", topic.AsString(), dp.Value, m.Unit)
				}
			}
		}
	}
	// Output: kprod.produce.records topic=orders 3{record}
}
