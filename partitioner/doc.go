// Package partitioner chooses the partition of each produced message the
// way librdkafka does, byte for byte for keyed messages and rule for rule
// for keyless ones, with a few named extensions.
//
// The producer builds one Partitioner per topic with New, from the
// partitioner property and a few resolved settings (Config), and calls
// Partition for every message that has no explicit partition. Partition is
// safe for concurrent use, takes no lock on its hot path, and allocates
// nothing.
//
// # Partitioners
//
// Config.Name takes librdkafka's partitioner values. A NULL key (nil) and
// an empty key ([]byte{}) are not the same thing to librdkafka:
//
//	name               non-empty key   empty key        NULL key
//	random             random          random           sticky
//	consistent         crc32 % n       0                0
//	consistent_random  crc32 % n       sticky           sticky      (the default)
//	murmur2            murmur2         murmur2("")      murmur2("")
//	murmur2_random     murmur2         murmur2("")      sticky
//	fnv1a              fnv1a           fnv1a("")        fnv1a("")
//	fnv1a_random       fnv1a           fnv1a("")        sticky
//	murmur3            murmur3         murmur3("")      murmur3("")  (extension)
//	murmur3_random     murmur3         murmur3("")      sticky       (extension)
//	uniform_sticky     murmur2         murmur2("")      KIP-794      (extension)
//	Config.Custom      Custom          Custom           sticky
//
// crc32 is the IEEE CRC-32 taken unsigned modulo the partition count n;
// murmur2 is Kafka's MurmurHash2 (Murmur2) with the sign bit cleared, as
// Java's toPositive, modulo n, so it places keys where the Java client
// does; fnv1a is 32-bit FNV-1a with librdkafka's negation of negative
// values (FNV1a), modulo n, which matches Sarama's default hash
// partitioner. murmur3 is MurmurHash3 x86_32 with seed 0 (Murmur3), the
// value github.com/spaolacci/murmur3 gives, sign bit cleared, modulo n:
// librdkafka has no such partitioner; it is here for parity with systems
// that place keys by Murmur3.
//
// "sticky" means librdkafka's sticky partitioning when
// Config.StickyLinger (sticky.partitioning.linger.ms) is above zero, and a
// random partition per message when it is zero. A random choice draws a
// partition uniformly; if that partition has no leader it draws exactly
// once more and takes the second draw as it is.
//
// # librdkafka's sticky partitioning
//
// Each topic keeps one sticky partition for keyless messages. It is
// re-chosen, with the random choice above, when more than StickyLinger has
// passed since it was last chosen, and at once when it has no leader (or
// the topic no longer has it). Only time counts: bytes, batches and queue
// depth do not. A custom partitioner is not called for NULL keys while
// stickiness is on, as in librdkafka.
//
// # uniform_sticky: the Java client's partitioner
//
// uniform_sticky is the Java client's default partitioner since Kafka 3.3
// (KIP-794). Keyed messages are hashed with murmur2 over all partitions
// (unless Config.IgnoreKeys); keyless ones share a sticky partition that
// is switched by bytes, not time: after Config.BatchSize bytes once the
// partition's batch is complete, or after twice that whatever the batch.
// The next partition is uniform over the partitions with a leader or, with
// Config.Adaptive, weighted towards partitions with fewer queued batches
// (Load), leaving out partitions whose leader has not been drained for
// longer than Config.AvailabilityTimeout when the Availability can tell
// (DrainLag; the producer's cannot). It keeps its sticky
// partition when that partition loses its leader; librdkafka's time-based
// stickiness moves away at once.
//
// uniform_sticky needs to hear about appends: it implements AppendObserver,
// whose documentation says when the producer calls it. In short, after
// appending any record to one of the topic's partitions, whether the
// partitioner chose it or the message named it:
//
//	res, grownBytes := accumulator.Append(queues[p], &rec, now)
//	if obs, ok := part.(partitioner.AppendObserver); ok {
//		obs.OnAppend(key, p, grownBytes, res&accumulator.Sealed != 0)
//	}
//
// and never otherwise: a batch the sender closes at linger.ms is not
// reported, so a held-back switch waits for the next append that seals a
// batch, or for 2 × batch.size bytes.
//
// It differs from Java in a few places, mostly at batch boundaries. Java
// checks, under the partition's lock, whether the queue's last batch is
// full before appending and then switches before the record; here the
// switch follows the append that completed the batch, so a record that did
// not fit in the old batch still lands on the old partition. Java also
// releases a held-back switch when the sender has taken the queue's last
// batch (an empty queue counts as full); here only an append that seals a
// batch does. Java reads queue sizes on each sender pass and waits until
// every partition has had a batch before weighting; here they are read
// when the switch happens, for every partition. Java does not count
// records produced with an explicit partition towards the sticky
// partition's bytes; here a keyless one appended to the sticky partition
// counts like any other.
package partitioner
