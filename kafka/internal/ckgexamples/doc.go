// Package ckgexamples holds programs shaped like confluent-kafka-go's
// producer examples (its examples/ directory: producer_example,
// idempotent_producer_example, producer_custom_channel_example,
// legacy/producer_channel_example, and a producer-only cut of
// transactions_example), written against package kafka as a
// confluent-kafka-go program is written against its kafka package: the
// same calls in the same order, the same type switches and assertions.
// Each is a main function taking its arguments and stdout and returning
// its exit code, so the tests can run it against an in-process cluster.
// They are kprod's own text, not copies.
package ckgexamples
