// Package compress implements the record-batch compression codecs of the
// Kafka protocol, with librdkafka's names, levels and wire formats.
//
// A record batch (magic v2) stores its codec in bits 0-2 of the batch
// attributes (see [Type]) and carries its records, compressed as one payload,
// after the batch header. [New] returns a [Codec] for a codec and a
// compression.level; the producer calls [Codec.AppendEncoded] once per batch.
//
// # Wire formats
//
// Each codec writes the format librdkafka writes (the same framing, not the
// same bytes), which every broker and client accepts:
//
//   - gzip: a standard gzip (RFC 1952) member.
//   - snappy: one raw snappy block, without framing. The Java client writes
//     xerial-framed snappy instead; brokers and consumers read both, and so
//     does [Codec.AppendDecoded].
//   - lz4: one LZ4 frame with independent 64 KiB blocks, no checksums other
//     than the frame descriptor's, and a correct descriptor checksum (the
//     one Kafka expects since magic v1). This is the frame the Java client's
//     Lz4BlockOutputStream writes; its reader refuses linked blocks.
//   - zstd: one standard zstd frame with its content size and no content
//     checksum (the batch CRC covers the payload), readable by any zstd
//     decoder.
//
// # Levels
//
// compression.level takes -1..12 for every codec, as librdkafka's
// configuration does; -1 selects the codec's default. [Codec.Level] reports
// the level in effect:
//
//	codec   -1 becomes   range used   notes
//	gzip    6            0..9         10..12 clamp to 9; 0 stores without compressing, as zlib does
//	lz4     0            0..12        0..2 are the fast compressor, 3..12 high compression
//	zstd    3            1..12        0 is zstd's default, 3
//	snappy  -            0            the level is ignored
//
// # What the producer does around a codec
//
// The producer compares sizes: when the compressed payload is not smaller
// than the uncompressed records, it sends the batch uncompressed (codec
// none), as librdkafka does. zstd needs Produce v7 or later (Kafka 2.1);
// [MinProduceVersion] tells the producer which version a codec needs, and
// against an older broker librdkafka sends the batch uncompressed.
//
// # Concurrency and memory
//
// A Codec is safe for concurrent use. Each Codec keeps a bounded pool of
// encoders and decoders with their buffers, at most GOMAXPROCS of each, so
// in steady state AppendEncoded allocates nothing when dst has room for the
// output. The pool holds on to what it keeps, unlike a sync.Pool, so that a
// garbage collection does not make the next batch rebuild its encoder. The
// zstd encoders are the large ones, about 2.6 MiB each at the default level
// and 35 MiB at levels 10-12; zstd.go explains why its window is small.
//
// AppendDecoded exists for tests, fuzzing and consumers. It refuses input
// that decodes to more than [MaxDecodedLen] bytes, so a small hostile payload
// cannot make it allocate without bound.
package compress
