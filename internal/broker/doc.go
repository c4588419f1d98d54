// Package broker is one TCP connection to one Kafka broker: dialing,
// ApiVersions negotiation, request framing with correlation ids, pipelining
// and timeouts. It knows nothing of batching, retries or metadata; callers
// above it decide what to send and what a failure means.
package broker
