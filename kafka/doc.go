// Package kafka is confluent-kafka-go v2's producer API
// (github.com/confluentinc/confluent-kafka-go/v2/kafka) on top of kprod's
// package producer, without cgo: a confluent-kafka-go producer program
// changes its import path to github.com/kprod-go/kprod/kafka and keeps its
// code.
//
//	p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": "localhost:9092"})
//	if err != nil { ... }
//	go func() {
//		for e := range p.Events() {
//			if m, ok := e.(*kafka.Message); ok && m.TopicPartition.Error != nil {
//				log.Printf("delivery failed: %v", m.TopicPartition.Error)
//			}
//		}
//	}()
//	topic := "events"
//	err = p.Produce(&kafka.Message{
//		TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
//		Value:          []byte("hello"),
//	}, nil)
//	p.Flush(15 * 1000) // milliseconds, as in confluent-kafka-go
//	p.Close()
//
// What it has: ConfigMap (with the go.* properties, see NewProducer),
// Producer (Produce, Events, ProduceChannel, Logs, Flush in milliseconds,
// Len, Close, Purge, GetFatalError, TestFatalError, GetMetadata,
// QueryWatermarkOffsets, OffsetsForTimes, the OAUTHBEARER and SASL
// credential calls, and the transactions), Message, TopicPartition,
// Offset, Header, Error and the ErrorCode constants with confluent-kafka-go's
// names and librdkafka's numbers, the Event types (*Message, Error, *Stats,
// OAuthBearerTokenRefresh) and LogEvent, TimestampType numbered as
// librdkafka (NotAvailable 0, CreateTime 1, LogAppendTime 2), and
// LibraryVersion, which reports kprod's version.
//
// What it does not have: the Consumer, the AdminClient and their types
// (rebalance events, PartitionEOF, OffsetsCommitted, the admin options and
// results), the mock cluster (use package kprodtest instead), and the
// schema registry and serde packages. Programs that use them keep
// confluent-kafka-go for those parts.
//
// Where it differs (docs/migrating-from-confluent-kafka-go.md says more):
// Produce does not copy the message; the delivery report is the *Message
// given to Produce, filled in, so neither it nor its Key, Value and Headers
// may be changed until the report comes. Reports carry the message's
// timestamp and its type. Property names and values are checked by package
// producer, which implements most but not all of librdkafka's.
//
// Every method is safe for concurrent use. The Producer owns up to three
// goroutines (the event pump, the ProduceChannel reader and, with
// go.logs.channel.enable, the log forwarder); Close stops them all.
package kafka
