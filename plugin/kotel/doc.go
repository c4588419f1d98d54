// Package kotel records a kprod producer's metrics with OpenTelemetry
// instruments, fed by the producer's hooks (producer.WithHooks).
//
//	m, err := kotel.NewMetrics(otel.GetMeterProvider())
//	...
//	p, err := producer.New(cfg, producer.WithHooks(m))
//
// It is a module of its own, so that the producer does not depend on
// OpenTelemetry. The meter's instrumentation scope is ScopeName.
//
// # Metrics
//
// node_id is the broker's node id, or "bootstrap" for a bootstrap server
// whose id is not known yet; api is the request's name as Kafka spells it
// ("Produce", "Metadata", "InitProducerId", "ApiVersions"); error is
// librdkafka's name of a delivery error code ("INVALID_RECORD",
// "_MSG_TIMED_OUT"; empty for delivered messages).
//
//	name                              instrument         unit          attributes
//	kprod.connects                    Int64Counter       {connection}  node_id
//	kprod.connect_errors              Int64Counter       {attempt}     node_id
//	kprod.disconnects                 Int64Counter       {connection}  node_id
//	kprod.requests_written            Int64Counter       {request}     node_id, api
//	kprod.write_bytes                 Int64Counter       By            node_id, api
//	kprod.write_errors                Int64Counter       {request}     node_id, api
//	kprod.read_bytes                  Int64Counter       By            node_id, api
//	kprod.read_errors                 Int64Counter       {request}     node_id, api
//	kprod.request.duration            Float64Histogram   s             node_id, api
//	kprod.throttle.duration           Float64Histogram   s             node_id
//	kprod.produce.batches             Int64Counter       {batch}       topic
//	kprod.produce.records             Int64Counter       {record}      topic
//	kprod.produce.uncompressed_bytes  Int64Counter       By            topic
//	kprod.produce.compressed_bytes    Int64Counter       By            topic
//	kprod.delivery.reports            Int64Counter       {report}      topic, outcome, error
//	kprod.delivery.duration           Float64Histogram   s             topic
//
// Connections count both the producer's produce connections and its
// control connections (metadata, producer id). Bytes include the Kafka
// framing (size prefix and headers). kprod.request.duration is the round
// trip, from the end of a request's write to its response; a request that
// got no usable response counts in kprod.read_errors instead. The batch
// metrics count batches the partition leader acknowledged (with acks=0,
// batches written to the socket); their uncompressed and compressed bytes
// are the same when the batch is not compressed. kprod.delivery.reports
// has outcome "delivered" or "failed"; kprod.delivery.duration is from
// Produce to the outcome, for both. The histograms' bucket boundaries are
// given as advice (RTTBuckets, DeliveryBuckets); a view may override them.
package kotel
