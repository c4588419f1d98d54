// Package wire encodes Kafka record batches (magic v2) straight into byte
// slices: zigzag varints, records with headers, the 61-byte batch header and
// its CRC-32C. It holds no policy: batching, retries and idempotence live in
// the packages above it.
//
// Every encoder is append-style (AppendX(dst, ...) []byte) and allocates
// nothing when dst has room.
package wire
