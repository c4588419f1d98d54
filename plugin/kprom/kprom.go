package kprom

import (
	"errors"
	"strconv"
	"sync"

	"github.com/kprod-go/kprod/producer"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics is a prometheus.Collector fed by a producer's hooks. Register
// it with a registry and give it to producer.New with producer.WithHooks;
// one Metrics may serve several producers, whose figures then add up
// (give each its own Metrics, with ConstLabels, to tell them apart). It
// is safe for concurrent use, and its hooks never block.
type Metrics struct {
	connects       *prometheus.CounterVec
	connectErrors  *prometheus.CounterVec
	disconnects    *prometheus.CounterVec
	writes         *prometheus.CounterVec
	writeBytes     *prometheus.CounterVec
	writeErrors    *prometheus.CounterVec
	readBytes      *prometheus.CounterVec
	readErrors     *prometheus.CounterVec
	rtt            *prometheus.HistogramVec
	throttle       *prometheus.HistogramVec
	batches        *prometheus.CounterVec
	records        *prometheus.CounterVec
	bytes          *prometheus.CounterVec
	compressed     *prometheus.CounterVec
	deliveries     *prometheus.CounterVec
	deliveryTimes  *prometheus.HistogramVec
	all            []prometheus.Collector
	deliveredCache sync.Map // topic → *topicDelivered: no label hashing per delivered message
}

// topicDelivered holds one topic's children of the per-message metrics.
type topicDelivered struct {
	delivered prometheus.Counter
	latency   prometheus.Observer
}

// Opt configures NewMetrics.
type Opt func(*config)

type config struct {
	namespace      string
	constLabels    prometheus.Labels
	rttBuckets     []float64
	deliveryBucket []float64
}

// Namespace sets the prefix of every metric name; "kprod" by default.
func Namespace(ns string) Opt { return func(c *config) { c.namespace = ns } }

// ConstLabels adds labels with fixed values to every metric, to tell
// several producers apart in one registry.
func ConstLabels(l prometheus.Labels) Opt { return func(c *config) { c.constLabels = l } }

// RTTBuckets sets the buckets, in seconds, of the request latency and
// throttle histograms; by default 0.5 ms to about 8 s, doubling.
func RTTBuckets(b []float64) Opt { return func(c *config) { c.rttBuckets = b } }

// DeliveryBuckets sets the buckets, in seconds, of the delivery latency
// histogram; by default 1 ms to about 33 s, doubling.
func DeliveryBuckets(b []float64) Opt { return func(c *config) { c.deliveryBucket = b } }

// NewMetrics returns the producer metrics, to be registered and given to
// producer.WithHooks. The metrics are listed in the package doc.
func NewMetrics(opts ...Opt) *Metrics {
	c := config{
		namespace:      "kprod",
		rttBuckets:     prometheus.ExponentialBuckets(0.0005, 2, 15),
		deliveryBucket: prometheus.ExponentialBuckets(0.001, 2, 16),
	}
	for _, o := range opts {
		o(&c)
	}
	m := &Metrics{}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: c.namespace, Name: name, Help: help, ConstLabels: c.constLabels}, labels)
		m.all = append(m.all, v)
		return v
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: c.namespace, Name: name, Help: help, ConstLabels: c.constLabels, Buckets: buckets}, labels)
		m.all = append(m.all, v)
		return v
	}
	m.connects = counter("connects_total", "Connections to a broker made ready (dial, TLS, SASL, ApiVersions).", "node_id")
	m.connectErrors = counter("connect_errors_total", "Attempts to connect to a broker that failed.", "node_id")
	m.disconnects = counter("disconnects_total", "Ready connections to a broker that closed.", "node_id")
	m.writes = counter("requests_written_total", "Requests written to a broker.", "node_id", "api")
	m.writeBytes = counter("write_bytes_total", "Bytes of requests written to a broker, framing included.", "node_id", "api")
	m.writeErrors = counter("write_errors_total", "Requests that failed to be written to a broker.", "node_id", "api")
	m.readBytes = counter("read_bytes_total", "Bytes of responses read from a broker, framing included.", "node_id", "api")
	m.readErrors = counter("read_errors_total", "Requests that got no usable response: timed out, connection closed, undecodable.", "node_id", "api")
	m.rtt = histogram("request_duration_seconds", "Time from the end of a request's write to its response (round trip).", c.rttBuckets, "node_id", "api")
	m.throttle = histogram("throttle_duration_seconds", "Throttle times brokers asked for (ThrottleTimeMs).", c.rttBuckets, "node_id")
	m.batches = counter("produce_batches_total", "Record batches written to the log.", "topic")
	m.records = counter("produce_records_total", "Records written to the log.", "topic")
	m.bytes = counter("produce_uncompressed_bytes_total", "Bytes of record batches written, before compression.", "topic")
	m.compressed = counter("produce_compressed_bytes_total", "Bytes of record batches written, as sent (compressed if they were).", "topic")
	m.deliveries = counter("delivery_reports_total", "Delivery reports, by outcome (delivered or failed) and error name.", "topic", "outcome", "error")
	m.deliveryTimes = histogram("delivery_duration_seconds", "Time from Produce to a message's delivery report, delivered or failed.", c.deliveryBucket, "topic")
	return m
}

var (
	_ prometheus.Collector          = (*Metrics)(nil)
	_ producer.HookBrokerConnect    = (*Metrics)(nil)
	_ producer.HookBrokerDisconnect = (*Metrics)(nil)
	_ producer.HookBrokerWrite      = (*Metrics)(nil)
	_ producer.HookBrokerRead       = (*Metrics)(nil)
	_ producer.HookBrokerThrottle   = (*Metrics)(nil)
	_ producer.HookBatchWritten     = (*Metrics)(nil)
	_ producer.HookDelivery         = (*Metrics)(nil)
)

// Describe sends the descriptions of every metric to ch.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.all {
		c.Describe(ch)
	}
}

// Collect sends every metric's current values to ch.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.all {
		c.Collect(ch)
	}
}

// nodeID is a broker's label: its node id, or "bootstrap" for a bootstrap
// server whose id is not known yet.
func nodeID(b producer.Broker) string {
	if b.NodeID < 0 {
		return "bootstrap"
	}
	return strconv.Itoa(int(b.NodeID))
}

// OnBrokerConnect counts a connection made or failed.
func (m *Metrics) OnBrokerConnect(e producer.BrokerConnect) {
	if e.Err != nil {
		m.connectErrors.WithLabelValues(nodeID(e.Broker)).Inc()
		return
	}
	m.connects.WithLabelValues(nodeID(e.Broker)).Inc()
}

// OnBrokerDisconnect counts a connection closed.
func (m *Metrics) OnBrokerDisconnect(e producer.BrokerDisconnect) {
	m.disconnects.WithLabelValues(nodeID(e.Broker)).Inc()
}

// OnBrokerWrite counts a request written, and its bytes.
func (m *Metrics) OnBrokerWrite(e producer.BrokerWrite) {
	node, api := nodeID(e.Broker), e.API()
	if e.Err != nil {
		m.writeErrors.WithLabelValues(node, api).Inc()
		return
	}
	m.writes.WithLabelValues(node, api).Inc()
	m.writeBytes.WithLabelValues(node, api).Add(float64(e.Bytes))
}

// OnBrokerRead counts a response's bytes and its round trip, or a request
// that got no usable response.
func (m *Metrics) OnBrokerRead(e producer.BrokerRead) {
	node, api := nodeID(e.Broker), e.API()
	if e.Err != nil {
		m.readErrors.WithLabelValues(node, api).Inc()
		return
	}
	m.readBytes.WithLabelValues(node, api).Add(float64(e.Bytes))
	m.rtt.WithLabelValues(node, api).Observe(e.RTT.Seconds())
}

// OnBrokerThrottle records a throttle time.
func (m *Metrics) OnBrokerThrottle(e producer.BrokerThrottle) {
	m.throttle.WithLabelValues(nodeID(e.Broker)).Observe(e.Time.Seconds())
}

// OnBatchWritten counts a batch, its records and its bytes.
func (m *Metrics) OnBatchWritten(e producer.BatchWritten) {
	m.batches.WithLabelValues(e.Topic).Inc()
	m.records.WithLabelValues(e.Topic).Add(float64(e.Records))
	m.bytes.WithLabelValues(e.Topic).Add(float64(e.Bytes))
	m.compressed.WithLabelValues(e.Topic).Add(float64(e.CompressedBytes))
}

// OnDelivery counts a delivery report by outcome and records its latency.
func (m *Metrics) OnDelivery(e producer.Delivery) {
	td := m.topic(e.Topic)
	td.latency.Observe(e.Latency.Seconds())
	if e.Err == nil {
		td.delivered.Inc()
		return
	}
	m.deliveries.WithLabelValues(e.Topic, "failed", errorName(e.Err)).Inc()
}

// topic returns the per-message children for topic, made once.
func (m *Metrics) topic(topic string) *topicDelivered {
	if v, ok := m.deliveredCache.Load(topic); ok {
		return v.(*topicDelivered)
	}
	td := &topicDelivered{
		delivered: m.deliveries.WithLabelValues(topic, "delivered", ""),
		latency:   m.deliveryTimes.WithLabelValues(topic),
	}
	v, _ := m.deliveredCache.LoadOrStore(topic, td)
	return v.(*topicDelivered)
}

// errorName is the error label of a failed delivery: librdkafka's name of
// its code ("INVALID_RECORD", "_MSG_TIMED_OUT"), or "unknown".
func errorName(err error) string {
	var pe producer.Error
	if errors.As(err, &pe) {
		return pe.Code().Name()
	}
	return "unknown"
}
