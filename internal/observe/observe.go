// Package observe is the seam that statistics and metric plugins hang off:
// connection, request and batch events, reported by the broker connection
// and the sender as they happen.
//
// Nothing is reported when no Observer is installed: each call site is a
// nil check, so the produce path pays nothing for the seam. Events are
// plain structs passed by value, so that a field can be added without
// breaking implementations, and reporting one allocates nothing.
//
// The events carry what librdkafka's statistics need (librdkafka's
// STATISTICS.md, summarised in the project's shared reference
// librdkafka-statistics.md): per broker, connects and disconnects, tx/rx counts and
// bytes, txerrs, rxerrs, req_timeouts, per-API request counts, and the
// outbuf_latency, rtt and throttle windows; per topic, the batchsize and
// batchcnt windows; per partition, txmsgs and txbytes; and the int_latency
// window, approximated per batch.
package observe

import "time"

// Node is the broker an event is about. ID is the broker's node id, or -1
// for a bootstrap server, whose id is not known yet (librdkafka names such
// a broker "host:port/bootstrap").
type Node struct {
	ID   int32
	Addr string // host:port as dialed
}

// Observer receives events. Its methods are called on the goroutines the
// events happen on (a sink, a connection's reader, the metadata loop, a
// goroutine closing a connection), possibly at the same time: they must be
// safe for concurrent use, must not block, and must not call back into the
// producer. Embed Nop to implement only some of them.
type Observer interface {
	// OnConnect reports the end of an attempt to connect to a broker: Err
	// is nil when the connection is ready for requests (dialed, TLS and
	// SASL done, versions negotiated), else why the attempt failed. Every
	// successful connect is followed, once, by an OnDisconnect.
	OnConnect(Connect)
	// OnDisconnect reports that a connection that was ready is closed.
	OnDisconnect(Disconnect)
	// OnRequestWritten reports a request written to a connection, or the
	// failure to write it. Every request written that expects a response
	// gets exactly one OnResponseRead, with the response or with the
	// error that ended the wait: after this event, or just before it when
	// the connection fails while the request is being written.
	OnRequestWritten(RequestWritten)
	// OnResponseRead reports a response read, or a request that got none:
	// the connection closed or timed out first.
	OnResponseRead(ResponseRead)
	// OnThrottle reports a response that carries a throttle time above
	// zero (Kafka's ThrottleTimeMs).
	OnThrottle(Throttle)
	// OnBatchWritten reports a batch the broker acknowledged (its records
	// are in the partition's log), or, with acks=0, a batch written to the
	// socket, which is all the producer will know of it.
	OnBatchWritten(BatchWritten)
}

// Connect is the end of a connection attempt.
type Connect struct {
	Node Node
	Took time.Duration // from the start of the dial to ready, or to the failure
	Err  error         // nil: connected
}

// Disconnect is the end of a connection that was ready.
type Disconnect struct {
	Node Node
	// Err says why: a broker.ErrClosed wrap when the producer closed it or
	// the broker hung up, broker.ErrTimeout when a response was late,
	// broker.ErrProtocol when the stream could not be trusted, or an I/O
	// error.
	Err error
}

// RequestWritten is one request written to a connection.
type RequestWritten struct {
	Node    Node
	Key     int16 // the request's API key (kmsg.Key)
	Version int16
	// Bytes is what went on the wire, size prefix and header included;
	// 0 when the write failed before any byte could be counted.
	Bytes int
	// Wait is how long the request waited for the connection before its
	// write began: behind other requests being written (librdkafka's
	// outbuf_latency).
	Wait time.Duration
	// Write is how long the write itself took.
	Write time.Duration
	// NoResponse is set for a request the broker does not answer (Produce
	// with acks=0): no OnResponseRead follows it.
	NoResponse bool
	// Err is set when the write failed; the connection is then closed, and
	// a request that expected a response still gets its OnResponseRead.
	Err error
}

// ResponseRead is one response read, or the end of a wait for one.
type ResponseRead struct {
	Node Node
	Key  int16 // the API key of the request it answers
	// Bytes is what was read, size prefix included; 0 when none came.
	Bytes int
	// RTT is from the end of the request's write to the response read
	// (librdkafka's rtt); with an Err, how long the request waited.
	RTT time.Duration
	// Err is nil for a response that was read and decoded. Otherwise the
	// request got no usable answer: broker.ErrTimeout (librdkafka's
	// req_timeouts), broker.ErrClosed, broker.ErrProtocol (a wrong
	// correlation id or an undecodable body: rxerrs) or an I/O error.
	Err error
}

// Throttle is a broker's request to slow down.
type Throttle struct {
	Node Node
	Key  int16         // the API key of the response that carried it
	Time time.Duration // ThrottleTimeMs
	// AfterResponse is set when the broker applies the throttle after
	// sending the response (Kafka 2.0 and later, KIP-219), muting the
	// connection for Time; otherwise it has already delayed the response.
	AfterResponse bool
}

// BatchWritten is a batch the broker acknowledged, or with acks=0 wrote to
// the socket.
type BatchWritten struct {
	Node      Node // the partition leader that wrote it
	Topic     string
	Partition int32
	Records   int // records in the batch (librdkafka's batchcnt)
	// Bytes is the batch's encoded size, header included, before
	// compression; WireBytes is what was sent (librdkafka's batchsize),
	// compressed if the batch was.
	Bytes     int
	WireBytes int
	// Codec is the compression codec of the batch as sent: the batch
	// attributes' low three bits (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
	Codec int8
	// Retries is how many counted retries the batch took (librdkafka's
	// txretries counts them per request).
	Retries int
	// Queued is from the batch's first record being produced to the start
	// of the write of the request that carried it, for the last attempt:
	// the longest wait of any of its records (librdkafka's int_latency,
	// per message).
	Queued time.Duration
}

// Nop is an Observer that ignores every event. Embed it in an observer that
// implements only some methods.
type Nop struct{}

// OnConnect ignores the event.
func (Nop) OnConnect(Connect) {}

// OnDisconnect ignores the event.
func (Nop) OnDisconnect(Disconnect) {}

// OnRequestWritten ignores the event.
func (Nop) OnRequestWritten(RequestWritten) {}

// OnResponseRead ignores the event.
func (Nop) OnResponseRead(ResponseRead) {}

// OnThrottle ignores the event.
func (Nop) OnThrottle(Throttle) {}

// OnBatchWritten ignores the event.
func (Nop) OnBatchWritten(BatchWritten) {}
