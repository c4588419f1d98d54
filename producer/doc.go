// Package producer is kprod's public API: a Kafka producer that behaves like
// librdkafka (and so like confluent-kafka-go), written in Go without cgo.
//
// Create a Producer with New and a ConfigMap of librdkafka properties.
// Produce queues a message and returns at once; the message is appended to
// its partition's open batch, and batches leave for their leader broker when
// linger.ms or batch.size says so. Every message Produce accepts comes back
// exactly once as a delivery report: the same *Message, with its partition,
// offset, error and persistence status filled in, on the deliveryChan given
// to Produce or else from Poll (or the Events channel, or a function set
// with WithDeliveryFunc). Flush sends everything queued and waits for the
// reports; Close stops the producer without flushing, within about a
// second whatever the brokers do, reporting what it still held as failed
// with ErrDestroy, and closes the Events channel.
//
// Errors are Error values carrying librdkafka's numeric codes (ErrorCode);
// errors.Is(err, producer.ErrQueueFull) tests for a code.
//
// All methods are safe for concurrent use.
package producer
