// Package accumulator holds the records a producer has accepted but not yet
// sent: one Queue of batches per partition. Produce appends a record to its
// partition's open batch, encoded once, straight into the batch's buffer in
// Kafka's record batch v2 format; the sender takes batches from the head of
// a queue when they are ready.
//
// A batch is ready when it is full (batch.size bytes, batch.num.messages
// records, or the next record would not fit), when linger.ms has passed since
// its first record, or when the producer is flushing. A batch put back for a
// retry waits at the head of its queue until its backoff has passed, and
// holds back the batches behind it so that a partition's order is kept.
//
// Times are monotonic nanoseconds from an arbitrary origin chosen by the
// caller (see Clock), so that one clock reading per message serves both the
// record timestamp and the linger deadline.
package accumulator
