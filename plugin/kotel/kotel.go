package kotel

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/kprod-go/kprod/producer"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ScopeName is the instrumentation scope of the meter the metrics are
// made with.
const ScopeName = "github.com/kprod-go/kprod/plugin/kotel"

// Metrics records a producer's metrics with OpenTelemetry instruments, fed
// by the producer's hooks: give it to producer.New with producer.WithHooks.
// One Metrics may serve several producers, whose figures then add up. It
// is safe for concurrent use, and its hooks never block.
type Metrics struct {
	connects      metric.Int64Counter
	connectErrors metric.Int64Counter
	disconnects   metric.Int64Counter
	writes        metric.Int64Counter
	writeBytes    metric.Int64Counter
	writeErrors   metric.Int64Counter
	readBytes     metric.Int64Counter
	readErrors    metric.Int64Counter
	rtt           metric.Float64Histogram
	throttle      metric.Float64Histogram
	batches       metric.Int64Counter
	records       metric.Int64Counter
	bytes         metric.Int64Counter
	compressed    metric.Int64Counter
	deliveries    metric.Int64Counter
	deliveryTimes metric.Float64Histogram

	topics sync.Map // topic → *topicAttrs: no attribute set built per message
}

// topicAttrs holds a topic's attribute options, made once.
type topicAttrs struct {
	topic     metric.MeasurementOption // topic
	delivered metric.MeasurementOption // topic, outcome=delivered, error=""
}

// Opt configures NewMetrics.
type Opt func(*config)

type config struct {
	rttBuckets      []float64
	deliveryBuckets []float64
}

// RTTBuckets sets the bucket boundaries, in seconds, of the request
// latency and throttle histograms; by default 0.5 ms to about 8 s,
// doubling.
func RTTBuckets(b []float64) Opt { return func(c *config) { c.rttBuckets = b } }

// DeliveryBuckets sets the bucket boundaries, in seconds, of the delivery
// latency histogram; by default 1 ms to about 33 s, doubling.
func DeliveryBuckets(b []float64) Opt { return func(c *config) { c.deliveryBuckets = b } }

// doubling returns n boundaries from start, each twice the one before.
func doubling(start float64, n int) []float64 {
	b := make([]float64, n)
	for i := range b {
		b[i] = start
		start *= 2
	}
	return b
}

// NewMetrics makes the instruments, listed in the package doc, with a
// meter of mp named ScopeName.
func NewMetrics(mp metric.MeterProvider, opts ...Opt) (*Metrics, error) {
	c := config{rttBuckets: doubling(0.0005, 15), deliveryBuckets: doubling(0.001, 16)}
	for _, o := range opts {
		o(&c)
	}
	meter := mp.Meter(ScopeName)
	m := &Metrics{}
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		v, err := meter.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return v
	}
	histogram := func(name, desc string, buckets []float64) metric.Float64Histogram {
		v, err := meter.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc), metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return v
	}
	m.connects = counter("kprod.connects", "{connection}", "Connections to a broker made ready (dial, TLS, SASL, ApiVersions).")
	m.connectErrors = counter("kprod.connect_errors", "{attempt}", "Attempts to connect to a broker that failed.")
	m.disconnects = counter("kprod.disconnects", "{connection}", "Ready connections to a broker that closed.")
	m.writes = counter("kprod.requests_written", "{request}", "Requests written to a broker.")
	m.writeBytes = counter("kprod.write_bytes", "By", "Bytes of requests written to a broker, framing included.")
	m.writeErrors = counter("kprod.write_errors", "{request}", "Requests that failed to be written to a broker.")
	m.readBytes = counter("kprod.read_bytes", "By", "Bytes of responses read from a broker, framing included.")
	m.readErrors = counter("kprod.read_errors", "{request}", "Requests that got no usable response: timed out, connection closed, undecodable.")
	m.rtt = histogram("kprod.request.duration", "Time from the end of a request's write to its response (round trip).", c.rttBuckets)
	m.throttle = histogram("kprod.throttle.duration", "Throttle times brokers asked for (ThrottleTimeMs).", c.rttBuckets)
	m.batches = counter("kprod.produce.batches", "{batch}", "Record batches written to the log.")
	m.records = counter("kprod.produce.records", "{record}", "Records written to the log.")
	m.bytes = counter("kprod.produce.uncompressed_bytes", "By", "Bytes of record batches written, before compression.")
	m.compressed = counter("kprod.produce.compressed_bytes", "By", "Bytes of record batches written, as sent (compressed if they were).")
	m.deliveries = counter("kprod.delivery.reports", "{report}", "Delivery reports, by outcome (delivered or failed) and error name.")
	m.deliveryTimes = histogram("kprod.delivery.duration", "Time from Produce to a message's delivery report, delivered or failed.", c.deliveryBuckets)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

var (
	_ producer.HookBrokerConnect    = (*Metrics)(nil)
	_ producer.HookBrokerDisconnect = (*Metrics)(nil)
	_ producer.HookBrokerWrite      = (*Metrics)(nil)
	_ producer.HookBrokerRead       = (*Metrics)(nil)
	_ producer.HookBrokerThrottle   = (*Metrics)(nil)
	_ producer.HookBatchWritten     = (*Metrics)(nil)
	_ producer.HookDelivery         = (*Metrics)(nil)
)

// node is a broker's attribute: its node id, or "bootstrap" for a
// bootstrap server whose id is not known yet.
func node(b producer.Broker) attribute.KeyValue {
	if b.NodeID < 0 {
		return attribute.String("node_id", "bootstrap")
	}
	return attribute.String("node_id", strconv.Itoa(int(b.NodeID)))
}

// nodeAPI is the attributes of a request's events.
func nodeAPI(b producer.Broker, api string) metric.MeasurementOption {
	return metric.WithAttributes(node(b), attribute.String("api", api))
}

var bg = context.Background()

// OnBrokerConnect counts a connection made or failed.
func (m *Metrics) OnBrokerConnect(e producer.BrokerConnect) {
	if e.Err != nil {
		m.connectErrors.Add(bg, 1, metric.WithAttributes(node(e.Broker)))
		return
	}
	m.connects.Add(bg, 1, metric.WithAttributes(node(e.Broker)))
}

// OnBrokerDisconnect counts a connection closed.
func (m *Metrics) OnBrokerDisconnect(e producer.BrokerDisconnect) {
	m.disconnects.Add(bg, 1, metric.WithAttributes(node(e.Broker)))
}

// OnBrokerWrite counts a request written, and its bytes.
func (m *Metrics) OnBrokerWrite(e producer.BrokerWrite) {
	attrs := nodeAPI(e.Broker, e.API())
	if e.Err != nil {
		m.writeErrors.Add(bg, 1, attrs)
		return
	}
	m.writes.Add(bg, 1, attrs)
	m.writeBytes.Add(bg, int64(e.Bytes), attrs)
}

// OnBrokerRead counts a response's bytes and records its round trip, or
// counts a request that got no usable response.
func (m *Metrics) OnBrokerRead(e producer.BrokerRead) {
	attrs := nodeAPI(e.Broker, e.API())
	if e.Err != nil {
		m.readErrors.Add(bg, 1, attrs)
		return
	}
	m.readBytes.Add(bg, int64(e.Bytes), attrs)
	m.rtt.Record(bg, e.RTT.Seconds(), attrs)
}

// OnBrokerThrottle records a throttle time.
func (m *Metrics) OnBrokerThrottle(e producer.BrokerThrottle) {
	m.throttle.Record(bg, e.Time.Seconds(), metric.WithAttributes(node(e.Broker)))
}

// OnBatchWritten counts a batch, its records and its bytes.
func (m *Metrics) OnBatchWritten(e producer.BatchWritten) {
	attrs := m.topic(e.Topic).topic
	m.batches.Add(bg, 1, attrs)
	m.records.Add(bg, int64(e.Records), attrs)
	m.bytes.Add(bg, int64(e.Bytes), attrs)
	m.compressed.Add(bg, int64(e.CompressedBytes), attrs)
}

// OnDelivery counts a delivery report by outcome and records its latency.
func (m *Metrics) OnDelivery(e producer.Delivery) {
	ta := m.topic(e.Topic)
	m.deliveryTimes.Record(bg, e.Latency.Seconds(), ta.topic)
	if e.Err == nil {
		m.deliveries.Add(bg, 1, ta.delivered)
		return
	}
	m.deliveries.Add(bg, 1, metric.WithAttributes(attribute.String("topic", e.Topic),
		attribute.String("outcome", "failed"), attribute.String("error", errorName(e.Err))))
}

// topic returns topic's attribute options, made once.
func (m *Metrics) topic(topic string) *topicAttrs {
	if v, ok := m.topics.Load(topic); ok {
		return v.(*topicAttrs)
	}
	ta := &topicAttrs{
		topic: metric.WithAttributeSet(attribute.NewSet(attribute.String("topic", topic))),
		delivered: metric.WithAttributeSet(attribute.NewSet(attribute.String("topic", topic),
			attribute.String("outcome", "delivered"), attribute.String("error", ""))),
	}
	v, _ := m.topics.LoadOrStore(topic, ta)
	return v.(*topicAttrs)
}

// errorName is the error attribute of a failed delivery: librdkafka's name
// of its code ("INVALID_RECORD", "_MSG_TIMED_OUT"), or "unknown".
func errorName(err error) string {
	var pe producer.Error
	if errors.As(err, &pe) {
		return pe.Code().Name()
	}
	return "unknown"
}
