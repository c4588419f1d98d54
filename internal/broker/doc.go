// Package broker is one TCP connection to one Kafka broker. A Connector
// sets connections up (dial, the TLS and SASL steps, ApiVersions
// negotiation) and a Conn carries requests: framing with correlation ids,
// pipelining and timeouts. Both report to an observe.Observer when one is
// configured. It knows nothing of batching, retries or metadata; callers
// above it decide what to send and what a failure means.
//
// # Request versions
//
// For batches and metadata kprod sends the newest versions that are not
// "flexible" (see MaxProduceVersion and its neighbours), which every Kafka
// broker from 2.x to 4.x accepts and which carry everything kprod uses.
// The transactional requests need flexible versions (InitProducerId v3
// bumps an epoch, TxnOffsetCommit v3 carries KIP-447's group metadata).
// kmsg v1.15.0 kept looping over a tagged-field count after its input had
// run out; v1.15.1, which kprod requires, stops at the end of the input
// (TestHugeTaggedFieldCountFailsQuickly).
package broker

// The newest request versions kprod sends, all non-flexible.
const (
	MaxProduceVersion        = 8 // record batch v2, zstd (v7+), per-record errors (v8)
	MaxMetadataVersion       = 8 // leader epochs, auto-creation flag
	MaxInitProducerIDVersion = 1
	MaxApiVersionsVersion    = 2
)

// MaxFindCoordinatorVersion is the newest FindCoordinator kprod sends, for
// the router: v1 adds the coordinator type, v3 is flexible.
const MaxFindCoordinatorVersion = 2
