package producer_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// batchCodecIDs maps compression.type values to their ids in bits 0-2 of
// a record batch's attributes.
var batchCodecIDs = map[string]int16{"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}

// observedBatch is one partition's batch in a Produce request, as the broker
// received it.
type observedBatch struct {
	topic      string
	partition  int32
	codec      int16 // attributes & 0x07
	records    int32
	producerID int64
	wireLen    int    // len(Records): header and (compressed) records
	plainLen   int    // the records' length after decompression with kgo's codecs
	decodeErr  error  // kgo could not decompress the records
	raw        []byte // the batch as sent
}

// observedProduceRequest is one Produce request as the broker received it.
type observedProduceRequest struct {
	version int16
	size    int // bytes on the wire: length prefix, header and body
	batches []observedBatch
}

// observeProduceRequests observes the Produce requests c receives and
// returns a function that lists, so far, those carrying topic.
func observeProduceRequests(t testing.TB, c *kfake.Cluster) func(topic string) []observedProduceRequest {
	var mu sync.Mutex
	var seen []observedProduceRequest
	dec := kgo.DefaultDecompressor()
	c.ControlKey(kmsg.Produce.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := r.(*kmsg.ProduceRequest)
		sr := observedProduceRequest{version: req.Version, size: produceRequestWireSize(req)}
		for _, tp := range req.Topics {
			for _, p := range tp.Partitions {
				var b kmsg.RecordBatch
				if err := b.ReadFrom(p.Records); err != nil {
					t.Errorf("Produce to %s[%d]: undecodable record batch: %v", tp.Topic, p.Partition, err)
					continue
				}
				sb := observedBatch{
					topic: tp.Topic, partition: p.Partition, codec: b.Attributes & 0x07, records: b.NumRecords,
					producerID: b.ProducerID, wireLen: len(p.Records), raw: bytes.Clone(p.Records),
				}
				plain, err := dec.Decompress(b.Records, kgo.CompressionCodecType(sb.codec))
				sb.plainLen, sb.decodeErr = len(plain), err
				sr.batches = append(sr.batches, sb)
			}
		}
		mu.Lock()
		seen = append(seen, sr)
		mu.Unlock()
		return nil, nil, false
	})
	return func(topic string) []observedProduceRequest {
		mu.Lock()
		defer mu.Unlock()
		var out []observedProduceRequest
		for _, r := range seen {
			for _, b := range r.batches {
				if b.topic == topic {
					out = append(out, r)
					break
				}
			}
		}
		return out
	}
}

// produceRequestWireSize is the size of req on the wire: the 4-byte length,
// the request header (api key, version, correlation id, client id
// "rdkafka", tagged fields from v9) and the body as encoded at its version.
func produceRequestWireSize(req *kmsg.ProduceRequest) int {
	header := 2 + 2 + 4 + 2 + len("rdkafka")
	if req.IsFlexible() {
		header++
	}
	return 4 + header + len(req.AppendTo(nil))
}

// observedBatchesOf returns the batches of topic in reqs, in the order sent.
func observedBatchesOf(reqs []observedProduceRequest, topic string) []observedBatch {
	var out []observedBatch
	for _, r := range reqs {
		for _, b := range r.batches {
			if b.topic == topic {
				out = append(out, b)
			}
		}
	}
	return out
}

// compressedUnlessNoGain checks that b was compressed with codec at level,
// or else sent uncompressed because codec does not make its records
// smaller (librdkafka's rule: a tiny batch often does not shrink). It
// reports whether b was compressed.
func compressedUnlessNoGain(t testing.TB, b observedBatch, codec string, level int) bool {
	t.Helper()
	if b.codec == batchCodecIDs[codec] {
		return true
	}
	require.Equal(t, int16(0), b.codec, "codec of a batch for %s[%d]: want %s or none", b.topic, b.partition, codec)
	typ, err := compress.ParseType(codec)
	require.NoError(t, err)
	cc, err := compress.New(typ, level)
	require.NoError(t, err)
	plain := b.raw[61:]
	enc, err := cc.AppendEncoded(nil, plain)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(enc), len(plain),
		"a batch of %d records for %s[%d] was sent uncompressed although %s shrinks it from %d to %d bytes",
		b.records, b.topic, b.partition, codec, len(plain), len(enc))
	return false
}

// jsonLikeValue returns a compressible, JSON-like value for message i.
func jsonLikeValue(i int) []byte {
	return fmt.Appendf(nil, `{"id":%d,"user":"user-%d","email":"user-%d@example.com","active":%t,`+
		`"roles":["reader","writer"],"address":{"street":"%d Main Street","city":"Springfield","zip":"%05d"},`+
		`"note":"the quick brown fox jumps over the lazy dog"}`, i, i%50, i%50, i%2 == 0, i, i*7)
}

// incompressibleBytes returns n bytes no codec can shrink.
func incompressibleBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// codecTestMessages returns the messages of a codec test for topic:
// compressible JSON values with keys and headers (some keys nil, some
// header values nil or empty) to partition 0, and on partitions 1, 2 and 3
// one message each of random bytes, a batch of its own that compression
// cannot shrink.
func codecTestMessages(topic string, seed uint64) []*producer.Message {
	var msgs []*producer.Message
	for i := range 200 {
		m := &producer.Message{
			Topic: topic, Partition: 0, Value: jsonLikeValue(i),
			Key: fmt.Appendf(nil, "user-%d", i%50),
			Headers: []producer.Header{
				{Key: "content-type", Value: []byte("application/json")},
				{Key: "seq", Value: fmt.Appendf(nil, "%d", i)},
			},
		}
		switch i % 10 {
		case 3:
			m.Key = nil
		case 5:
			m.Headers = append(m.Headers, producer.Header{Key: "null", Value: nil}, producer.Header{Key: "empty", Value: []byte{}})
		}
		msgs = append(msgs, m)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for part := int32(1); part <= 3; part++ {
		msgs = append(msgs, &producer.Message{
			Topic: topic, Partition: part, Key: incompressibleBytes(rng, 16), Value: incompressibleBytes(rng, 3000),
			Headers: []producer.Header{{Key: "noise", Value: incompressibleBytes(rng, 64)}},
		})
	}
	return msgs
}

// awaitPartitionsKnown returns once p knows topic's partitions: once it
// refuses, synchronously, a message to a partition the topic does not have.
// Probes it takes before that fail later, on their own channel.
func awaitPartitionsKnown(t testing.TB, p *producer.Producer, topic string) {
	t.Helper()
	probes := make(chan producer.Event, 10_000)
	accepted := 0
	waitFor(t, 10*time.Second, "the partitions of "+topic, func() bool {
		err := p.Produce(&producer.Message{Topic: topic, Partition: 1000, Value: []byte("probe")}, probes)
		if err == nil {
			accepted++
			return false
		}
		require.ErrorIs(t, err, producer.ErrUnknownPartition)
		return true
	})
	for range accepted {
		select {
		case e := <-probes:
			require.ErrorIs(t, e.(*producer.Message).Err, producer.ErrUnknownPartition)
		case <-time.After(10 * time.Second):
			t.Fatalf("a probe to a missing partition of %s was never reported", topic)
		}
	}
}

// requireLogByteIdentical checks that the records read back are exactly
// the delivered messages, byte for byte: at the reported partition and
// offset, the same key (nil stays nil), value and headers (a nil header
// value stays nil), nothing missing and nothing extra. It returns the
// records by partition.
func requireLogByteIdentical(t testing.TB, reports []*producer.Message, records []*kgo.Record) map[int32][]*kgo.Record {
	t.Helper()
	type at struct {
		partition int32
		offset    int64
	}
	delivered := map[at]*producer.Message{}
	for _, m := range reports {
		require.NoError(t, m.Err, "delivery report for %v", m)
		delivered[at{m.Partition, m.Offset}] = m
	}
	require.Len(t, delivered, len(reports), "two reports with the same partition and offset")
	require.Len(t, records, len(reports), "records in the log, want one per delivered message")
	out := map[int32][]*kgo.Record{}
	for _, r := range records {
		m := delivered[at{r.Partition, r.Offset}]
		require.NotNil(t, m, "record %s[%d]@%d was never reported delivered", r.Topic, r.Partition, r.Offset)
		where := fmt.Sprintf("%s[%d]@%d", r.Topic, r.Partition, r.Offset)
		assert.True(t, bytes.Equal(m.Key, r.Key) && (m.Key == nil) == (r.Key == nil), "key at %s: got %q, want %q", where, r.Key, m.Key)
		assert.True(t, bytes.Equal(m.Value, r.Value), "value at %s: got %d bytes, want %d", where, len(r.Value), len(m.Value))
		require.Len(t, r.Headers, len(m.Headers), "headers at %s", where)
		for i, h := range m.Headers {
			got := r.Headers[i]
			assert.Equal(t, h.Key, got.Key, "header %d's key at %s", i, where)
			assert.True(t, bytes.Equal(h.Value, got.Value) && (h.Value == nil) == (got.Value == nil),
				"header %q at %s: got %q, want %q", h.Key, where, got.Value, h.Value)
		}
		out[r.Partition] = append(out[r.Partition], r)
	}
	return out
}

func TestCompressionCodecsDeliverByteIdenticalRecords(t *testing.T) {
	cases := []struct {
		codec string
		level int
	}{
		{"none", -1},
		{"gzip", -1}, {"gzip", 1}, {"gzip", 9},
		{"snappy", -1},
		{"lz4", -1}, {"lz4", 1}, {"lz4", 12},
		{"zstd", -1}, {"zstd", 1}, {"zstd", 12},
	}
	topicOf := func(codec string, level int) string { return fmt.Sprintf("codec-%s-%d", codec, level) }
	var topics []string
	for _, tc := range cases {
		topics = append(topics, topicOf(tc.codec, tc.level))
	}
	c := newCluster(t, kfake.SeedTopics(4, topics...))
	sent := observeProduceRequests(t, c)

	reports := map[string][]*producer.Message{}
	total := 0
	for i, tc := range cases {
		topic := topicOf(tc.codec, tc.level)
		t.Run(fmt.Sprintf("%s at compression.level %d compresses what shrinks and sends the rest uncompressed", tc.codec, tc.level), func(t *testing.T) {
			p := newProducer(t, c, producer.ConfigMap{"compression.type": tc.codec, "compression.level": tc.level, "linger.ms": 60_000})
			msgs := codecTestMessages(topic, uint64(i))
			// Once the producer knows the topic's partitions, the messages are
			// appended while nothing flushes and go out on Flush as one batch
			// per partition.
			awaitPartitionsKnown(t, p, topic)
			reports[topic] = produceAllReported(t, p, msgs)
			total += len(msgs)

			batches := observedBatchesOf(sent(topic), topic)
			var json []observedBatch
			perPartition := map[int32]int32{}
			for _, b := range batches {
				require.NoError(t, b.decodeErr, "kgo cannot decompress the %s batch of %s[%d]", tc.codec, topic, b.partition)
				perPartition[b.partition] += b.records
				if b.partition == 0 {
					json = append(json, b)
				} else {
					assert.Equal(t, int16(0), b.codec, "codec in the attributes of the random batch on partition %d: want it sent uncompressed", b.partition)
					assert.Equal(t, int32(1), b.records)
				}
			}
			assert.Equal(t, map[int32]int32{0: 200, 1: 1, 2: 1, 3: 1}, perPartition, "records sent per partition")
			require.Len(t, json, 1, "JSON batches")
			assert.Equal(t, batchCodecIDs[tc.codec], json[0].codec, "codec in the attributes of the JSON batch")
			if tc.codec != "none" {
				assert.Less(t, json[0].wireLen, json[0].plainLen/2, "the JSON batch is not half its size compressed")
			}
		})
	}
	if t.Failed() {
		return
	}
	logs := consumeTopicsByName(t, c, total, topics...)
	for _, tc := range cases {
		topic := topicOf(tc.codec, tc.level)
		byPartition := requireLogByteIdentical(t, reports[topic], logs[topic])
		for part, records := range byPartition {
			want := uint8(0)
			if part == 0 {
				want = uint8(batchCodecIDs[tc.codec])
			}
			for _, r := range records {
				require.Equal(t, want, r.Attrs.CompressionType(), "codec kgo read for %s[%d]@%d", topic, part, r.Offset)
			}
		}
	}
}

func TestZstdToABrokerWithoutProduceV7IsSentUncompressedAsLibrdkafkaDoes(t *testing.T) {
	versions := kversion.Stable()
	versions.SetMaxKeyVersion(kmsg.Produce.Int16(), 6) // zstd needs Produce v7 (Kafka 2.1)
	const topic = "zstd-old-broker"
	c := newCluster(t, kfake.MaxVersions(versions), kfake.SeedTopics(4, topic))
	sent := observeProduceRequests(t, c)
	p := newProducer(t, c, producer.ConfigMap{"compression.type": "zstd", "linger.ms": 60_000})
	msgs := codecTestMessages(topic, 1)
	reports := produceAllReported(t, p, msgs)

	reqs := sent(topic)
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		assert.LessOrEqual(t, r.version, int16(6), "Produce version sent to a broker that supports up to v6")
		for _, b := range r.batches {
			assert.Equal(t, int16(0), b.codec, "codec of the batch for %s[%d]: want uncompressed", b.topic, b.partition)
		}
	}
	for _, r := range requireLogByteIdentical(t, reports, consume(t, c, topic, len(msgs)))[0] {
		require.Equal(t, uint8(0), r.Attrs.CompressionType(), "codec kgo read at offset %d", r.Offset)
	}
}

func TestCompressionWorksWithIdempotence(t *testing.T) {
	codecs := []string{"gzip", "snappy", "lz4", "zstd"}
	var topics []string
	for _, codec := range codecs {
		topics = append(topics, "idempotent-"+codec)
	}
	c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, topics...))
	sent := observeProduceRequests(t, c)
	const n = 400
	reports := map[string][]*producer.Message{}
	for _, codec := range codecs {
		topic := "idempotent-" + codec
		t.Run(codec+" batches carry the producer id and are written once", func(t *testing.T) {
			p := newProducer(t, c, producer.ConfigMap{
				"compression.type":   codec,
				"enable.idempotence": true,
				"linger.ms":          1,
				"batch.num.messages": 20, // many batches, several in flight per partition
			})
			var msgs []*producer.Message
			for i := range n {
				msgs = append(msgs, &producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: keyFor(i), Value: jsonLikeValue(i),
					Headers: []producer.Header{{Key: "seq", Value: fmt.Appendf(nil, "%d", i)}}})
			}
			reports[topic] = produceAllReported(t, p, msgs)
			batches := observedBatchesOf(sent(topic), topic)
			require.Greater(t, len(batches), partitionedTopicSize, "batches sent: want several per partition")
			compressed := 0
			for _, b := range batches {
				require.NoError(t, b.decodeErr)
				if compressedUnlessNoGain(t, b, codec, -1) {
					compressed++
				}
				assert.GreaterOrEqual(t, b.producerID, int64(0), "producer id of a batch for %s[%d]", topic, b.partition)
			}
			assert.GreaterOrEqual(t, 2*compressed, len(batches), "%d of %d batches compressed, want most", compressed, len(batches))
		})
	}
	if t.Failed() {
		return
	}
	logs := consumeTopicsByName(t, c, n*len(codecs), topics...)
	for _, codec := range codecs {
		topic := "idempotent-" + codec
		compressed := 0
		for _, records := range requireLogByteIdentical(t, reports[topic], logs[topic]) {
			for _, r := range records {
				require.GreaterOrEqual(t, r.ProducerID, int64(0), "record %s[%d]@%d written without a producer id", topic, r.Partition, r.Offset)
				if r.Attrs.CompressionType() == uint8(batchCodecIDs[codec]) {
					compressed++
				}
			}
		}
		assert.Greater(t, 2*compressed, n, "%s: kgo read %d of %d records from %s batches, want most", topic, compressed, n, codec)
	}
}

func TestCompressedRequestsStayWithinMessageMaxBytesAndBatchSize(t *testing.T) {
	const messageMaxBytes, batchSize = 10_000, 8_000
	codecs := []string{"none", "gzip", "snappy", "lz4", "zstd"}
	var topics []string
	for _, codec := range codecs {
		topics = append(topics, "bounded-"+codec)
	}
	c := newCluster(t, kfake.SeedTopics(partitionedTopicSize, topics...))
	sent := observeProduceRequests(t, c)
	const n = 900
	reports := map[string][]*producer.Message{}
	for i, codec := range codecs {
		topic := "bounded-" + codec
		t.Run(codec+" requests fit message.max.bytes and batches fit batch.size before compression", func(t *testing.T) {
			p := newProducer(t, c, producer.ConfigMap{
				"compression.type":  codec,
				"message.max.bytes": messageMaxBytes,
				"batch.size":        batchSize,
				"linger.ms":         50, // batches fill up to batch.size and wait for each other
			})
			// Half JSON, half random hex: compression shrinks a batch to
			// about half, so that several batches could share a request.
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			var msgs []*producer.Message
			for j := range n {
				v := append(jsonLikeValue(j), fmt.Appendf(nil, "%x", incompressibleBytes(rng, 100))...)
				msgs = append(msgs, &producer.Message{Topic: topic, Partition: producer.PartitionAny, Key: keyFor(j), Value: v})
			}
			reports[topic] = produceAllReported(t, p, msgs)

			reqs := sent(topic)
			require.NotEmpty(t, reqs)
			multi := 0
			for _, r := range reqs {
				assert.LessOrEqual(t, r.size, messageMaxBytes, "a Produce request of %d batches is larger than message.max.bytes", len(r.batches))
				if len(r.batches) > 1 {
					multi++
				}
				for _, b := range r.batches {
					require.NoError(t, b.decodeErr)
					if codec != "none" {
						compressedUnlessNoGain(t, b, codec, -1)
					} else {
						assert.Equal(t, int16(0), b.codec, "codec of a batch for %s[%d]", b.topic, b.partition)
					}
					// batch.size bounds the batch as built, before compression: header and plain records.
					assert.LessOrEqual(t, 61+b.plainLen, batchSize, "a batch of %d records is larger than batch.size before compression", b.records)
				}
			}
			t.Logf("%d Produce requests, %d of them with more than one batch", len(reqs), multi)
		})
	}
	if t.Failed() {
		return
	}
	logs := consumeTopicsByName(t, c, n*len(codecs), topics...)
	for _, codec := range codecs {
		topic := "bounded-" + codec
		requireLogByteIdentical(t, reports[topic], logs[topic])
	}
}
