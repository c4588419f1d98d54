package kafka

import "github.com/kprod-go/kprod/producer"

// MirroredLibrdkafka is the librdkafka release whose behaviour kprod
// mirrors (its configuration, partitioners, error codes and delivery
// semantics), the one confluent-kafka-go 2.11.1 bundles.
const MirroredLibrdkafka = "2.11.1"

// mirroredLibrdkafkaHex is MirroredLibrdkafka in librdkafka's layout.
const mirroredLibrdkafkaHex = 0x020b01ff

// LibraryVersion returns, as confluent-kafka-go does, a version number in
// librdkafka's layout 0xMMmmrrpp (major, minor, revision, and 0xff for a
// release) and a string. The number is that of the librdkafka release
// kprod mirrors (MirroredLibrdkafka, 0x020b01ff), so that a program that
// checks for a minimum librdkafka version (v >= 0x010400ff) keeps working;
// the string names kprod and its version: "kprod 0.1.0 (librdkafka 2.11.1
// semantics)".
func LibraryVersion() (int, string) {
	return mirroredLibrdkafkaHex, "kprod " + producer.Version + " (librdkafka " + MirroredLibrdkafka + " semantics)"
}
