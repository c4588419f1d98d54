// Package kprom exports a kprod producer's metrics to Prometheus: a
// prometheus.Collector fed by the producer's hooks (producer.WithHooks).
//
//	m := kprom.NewMetrics()
//	prometheus.MustRegister(m)
//	p, err := producer.New(cfg, producer.WithHooks(m))
//
// It is a module of its own, so that the producer does not depend on
// client_golang.
//
// # Metrics
//
// Names take the namespace prefix ("kprod_" by default, see Namespace).
// node_id is the broker's node id, or "bootstrap" for a bootstrap server
// whose id is not known yet; api is the request's name as Kafka spells it
// ("Produce", "Metadata", "InitProducerId", "ApiVersions"); error is
// librdkafka's name of a delivery error code ("INVALID_RECORD",
// "_MSG_TIMED_OUT"; empty for delivered messages).
//
//	name                                    type       unit     labels
//	kprod_connects_total                    counter    1        node_id
//	kprod_connect_errors_total              counter    1        node_id
//	kprod_disconnects_total                 counter    1        node_id
//	kprod_requests_written_total            counter    1        node_id, api
//	kprod_write_bytes_total                 counter    bytes    node_id, api
//	kprod_write_errors_total                counter    1        node_id, api
//	kprod_read_bytes_total                  counter    bytes    node_id, api
//	kprod_read_errors_total                 counter    1        node_id, api
//	kprod_request_duration_seconds          histogram  seconds  node_id, api
//	kprod_throttle_duration_seconds         histogram  seconds  node_id
//	kprod_produce_batches_total             counter    1        topic
//	kprod_produce_records_total             counter    1        topic
//	kprod_produce_uncompressed_bytes_total  counter    bytes    topic
//	kprod_produce_compressed_bytes_total    counter    bytes    topic
//	kprod_delivery_reports_total            counter    1        topic, outcome, error
//	kprod_delivery_duration_seconds         histogram  seconds  topic
//
// Connections count both the producer's produce connections and its
// control connections (metadata, producer id). Bytes include the Kafka
// framing (size prefix and headers). request_duration_seconds is the round
// trip, from the end of a request's write to its response; a request that
// got no usable response counts in read_errors_total instead. The batch
// metrics count batches the partition leader acknowledged (with acks=0,
// batches written to the socket); their uncompressed and compressed bytes
// are the same when the batch is not compressed. delivery_reports_total
// has outcome "delivered" or "failed"; delivery_duration_seconds is from
// Produce to the outcome, for both.
package kprom
