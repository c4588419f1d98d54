// Package kprodtest runs a Kafka cluster inside a test process, for testing
// services that produce with kprod: start a cluster, point the producer's
// bootstrap.servers at it, produce, read back what the brokers stored, and
// inject the failures a service must survive.
//
//	func TestOrderService(t *testing.T) {
//		cluster := kprodtest.New(t, kprodtest.WithTopic("orders", 3))
//		p, err := producer.New(producer.ConfigMap{
//			"bootstrap.servers": cluster.BootstrapServers(),
//		})
//		...
//		// The next two Produce requests fail; the producer retries.
//		cluster.RefuseProduce(producer.ErrNotEnoughReplicas, 2)
//		...
//		records, err := cluster.Records(ctx, "orders")
//	}
//
// The brokers are franz-go's kfake, an in-memory implementation of the
// Kafka protocol, listening on 127.0.0.1; kprod's module requires it, so a
// test imports only kprod. A cluster starts in milliseconds and holds no
// files.
//
// # Faults
//
// RefuseProduce answers Produce requests with a Kafka error code;
// DelayProduce and DelayRequests hold requests before the broker handles
// them; DropProduce never answers. Each applies to the next n matching
// requests (Forever: until removed), can be narrowed with OnTopic,
// OnPartition and OnBroker, and returns a *Fault that counts the requests
// it applied to (Hits, Wait) and can be removed early. MoveLeader moves a
// partition's leadership, StopBroker and StartBroker stop a broker as a
// crash would and bring it back on the same address.
//
// # Reading back
//
// Records returns every record of a topic as a consumer reading from the
// beginning sees it, read_committed by default, with partition, offset,
// key, value, headers and timestamp, so a test can assert exactly what was
// written, in which order, and that nothing was written twice.
// CommittedOffsets returns a consumer group's committed offsets, as a
// transactional producer's SendOffsetsToTransaction commits them.
//
// # What it is not
//
// kfake answers as one Kafka broker process would, without replication:
// there are no followers to fall behind, so errors such as
// NOT_ENOUGH_REPLICAS happen only when injected. Stopping a broker moves
// every partition's leadership at random among the running brokers (kfake
// has no preferred replicas); stopping the last running broker leaves
// every partition without a reachable leader.
package kprodtest
