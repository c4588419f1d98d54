package producer

import (
	"time"

	"github.com/kprod-go/kprod/compress"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Hook is a value that implements one or more of the Hook interfaces
// below (HookBrokerConnect, HookBrokerDisconnect, HookBrokerWrite,
// HookBrokerRead, HookBrokerThrottle, HookBatchWritten, HookDelivery). The
// producer finds out which with type assertions, once, in New: a hook
// pays only for the events it asks for, and new hook interfaces can be
// added without breaking existing hooks.
//
// Hooks are called on the goroutine the event happens on: a broker's
// sink (which writes Produce requests), a connection's reader (which
// reads responses), the metadata loop, the sender's housekeeping, or the
// goroutine calling Close, Purge or Produce. Several may run at the same
// time, so a hook must be safe for concurrent use. A hook must not block
// (it holds up the requests and reports behind it) and must not call the
// producer's methods. Metric plugins (plugin/kprom, plugin/kotel) are
// built on them.
type Hook any

// WithHooks installs hooks, each implementing at least one of the Hook
// interfaces; WithHooks may be given more than once. Hooks of one kind
// are called in the order given. Without hooks, each place an event
// happens costs one nil check.
func WithHooks(hooks ...Hook) Option {
	return func(o *options) error {
		for i, h := range hooks {
			if !isHook(h) {
				return newError(ErrInvalidArg, "WithHooks: hook %d (%T) implements no Hook interface", i, h)
			}
		}
		o.hooks = append(o.hooks, hooks...)
		return nil
	}
}

// isHook reports whether h implements any hook interface.
func isHook(h Hook) bool {
	switch h.(type) {
	case HookBrokerConnect, HookBrokerDisconnect, HookBrokerWrite, HookBrokerRead,
		HookBrokerThrottle, HookBatchWritten, HookDelivery:
		return true
	}
	return false
}

// Broker names the broker an event is about.
type Broker struct {
	// NodeID is the broker's node id, or -1 for a bootstrap server whose
	// id is not known yet.
	NodeID int32
	// Addr is the host:port the connection was dialed to.
	Addr string
}

// HookBrokerConnect is called at the end of each attempt to connect to a
// broker, produce and control connections alike.
type HookBrokerConnect interface {
	OnBrokerConnect(BrokerConnect)
}

// BrokerConnect is the end of a connection attempt.
type BrokerConnect struct {
	Broker Broker
	// Took is from the start of the dial until the connection was ready
	// (TLS and SASL done, request versions known), or until it failed.
	Took time.Duration
	// Err is nil when the connection is ready, else why the attempt
	// failed.
	Err error
}

// HookBrokerDisconnect is called once when a connection that was ready
// closes, for whatever reason.
type HookBrokerDisconnect interface {
	OnBrokerDisconnect(BrokerDisconnect)
}

// BrokerDisconnect is the end of a connection.
type BrokerDisconnect struct {
	Broker Broker
	// Err says why: the producer closed the connection, the broker
	// closed it, a response was late, or the stream broke.
	Err error
}

// HookBrokerWrite is called for each request written to a broker, or
// that failed to be written.
type HookBrokerWrite interface {
	OnBrokerWrite(BrokerWrite)
}

// BrokerWrite is one request written.
type BrokerWrite struct {
	Broker  Broker
	Key     int16 // the request's API key (Produce is 0, Metadata 3); see API
	Version int16
	// Bytes is what went on the wire, size prefix and header included; 0
	// when the write failed before any byte was counted.
	Bytes int
	// WriteWait is how long the request waited for the connection behind
	// other requests before its write began (librdkafka's outbuf_latency).
	WriteWait time.Duration
	// TimeToWrite is how long the write itself took.
	TimeToWrite time.Duration
	// Err is set when the write failed; the connection is then closed.
	Err error
}

// API returns the request's name, as Kafka spells it ("Produce",
// "Metadata").
func (e BrokerWrite) API() string { return kmsg.NameForKey(e.Key) }

// HookBrokerRead is called for each response read, and for each request
// that got no response because its connection failed or timed out first.
type HookBrokerRead interface {
	OnBrokerRead(BrokerRead)
}

// BrokerRead is one response read, or the end of a wait for one.
type BrokerRead struct {
	Broker Broker
	Key    int16 // the API key of the request it answers; see API
	// Bytes is what was read, size prefix included; 0 when nothing came.
	Bytes int
	// RTT is from the end of the request's write to its response
	// (librdkafka's rtt); with an Err, how long the request waited.
	RTT time.Duration
	// Err is nil for a response read and decoded; otherwise why none
	// came or it could not be used.
	Err error
}

// API returns the name of the request answered.
func (e BrokerRead) API() string { return kmsg.NameForKey(e.Key) }

// HookBrokerThrottle is called for each response that carries a throttle
// time (ThrottleTimeMs above zero).
type HookBrokerThrottle interface {
	OnBrokerThrottle(BrokerThrottle)
}

// BrokerThrottle is a broker's request to slow down.
type BrokerThrottle struct {
	Broker Broker
	Key    int16 // the API key of the response that carried it; see API
	// Time is the throttle time the broker asked for.
	Time time.Duration
	// AfterResponse is set when the broker applies the throttle after its
	// response (KIP-219, Kafka 2.0 and later): the producer then sends
	// nothing more on that connection (the broker mutes it) until Time
	// has passed. Otherwise the broker already delayed its response.
	AfterResponse bool
}

// API returns the name of the request whose response carried the
// throttle.
func (e BrokerThrottle) API() string { return kmsg.NameForKey(e.Key) }

// HookBatchWritten is called for each batch the partition's leader
// acknowledged (its records are in the log), or, with acks=0, written to
// the socket, which is all the producer will know of it.
type HookBatchWritten interface {
	OnBatchWritten(BatchWritten)
}

// BatchWritten is one batch written.
type BatchWritten struct {
	Broker    Broker // the partition's leader
	Topic     string
	Partition int32
	Records   int // records in the batch
	// Bytes is the batch's encoded size, header included, before
	// compression; CompressedBytes is what was sent, which is Bytes when
	// the batch is not compressed.
	Bytes           int
	CompressedBytes int
	Codec           compress.Type // the codec the batch was sent with
	// Retries is how many counted retries the batch took.
	Retries int
	// Queued is from the batch's first record being produced to the
	// start of the write of the request that carried it (the last time).
	Queued time.Duration
}

// HookDelivery is called once per message whose outcome is known, just
// before its delivery report is handed to the application (or, when the
// configuration suppresses reports, dropped).
type HookDelivery interface {
	OnDelivery(Delivery)
}

// Delivery is the outcome of one message.
type Delivery struct {
	Topic     string
	Partition int32 // -1 when the message failed before a partition was chosen
	Offset    int64 // -1 when unknown (a failure, acks=0)
	// Err is nil when the message was delivered, else an Error (its Code
	// says what happened).
	Err error
	// Latency is from Produce to the outcome being known.
	Latency time.Duration
}

// hookSet is the hooks of each kind, sorted by type once in New.
type hookSet struct {
	connect    []HookBrokerConnect
	disconnect []HookBrokerDisconnect
	write      []HookBrokerWrite
	read       []HookBrokerRead
	throttle   []HookBrokerThrottle
	batch      []HookBatchWritten
	delivery   []HookDelivery
}

// newHookSet sorts hooks by the interfaces each implements.
func newHookSet(hooks []Hook) hookSet {
	var s hookSet
	for _, h := range hooks {
		if x, ok := h.(HookBrokerConnect); ok {
			s.connect = append(s.connect, x)
		}
		if x, ok := h.(HookBrokerDisconnect); ok {
			s.disconnect = append(s.disconnect, x)
		}
		if x, ok := h.(HookBrokerWrite); ok {
			s.write = append(s.write, x)
		}
		if x, ok := h.(HookBrokerRead); ok {
			s.read = append(s.read, x)
		}
		if x, ok := h.(HookBrokerThrottle); ok {
			s.throttle = append(s.throttle, x)
		}
		if x, ok := h.(HookBatchWritten); ok {
			s.batch = append(s.batch, x)
		}
		if x, ok := h.(HookDelivery); ok {
			s.delivery = append(s.delivery, x)
		}
	}
	return s
}

// deliveries tells the delivery hooks of ms, whose outcomes are set. It is
// called only when there is one.
func (p *Producer) deliveries(ms []*Message) {
	now := p.clock.Now()
	for _, m := range ms {
		d := Delivery{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Err: m.Err, Latency: time.Duration(now - m.enqueued)}
		for _, h := range p.hooks.delivery {
			h.OnDelivery(d)
		}
	}
}
