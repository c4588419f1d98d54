package kafka

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/producer"
)

// Producer is confluent-kafka-go's kafka.Producer on top of a
// producer.Producer. Make one with NewProducer. Its methods are safe for
// concurrent use.
//
// Delivery reports and other events come on channels, as in
// confluent-kafka-go: a message produced with a deliveryChan is reported
// there, any other on Events (unless go.delivery.reports=false); Error,
// Stats and OAuthBearerTokenRefresh events come on Events. One goroutine
// owned by the Producer (the pump) takes them from the producer.Producer's
// Poll and sends them, in order, so a deliveryChan or an Events channel
// that nobody reads holds up every report behind it, as in
// confluent-kafka-go. Close stops the pump and closes Events.
type Producer struct {
	p      *producer.Producer
	events chan Event
	// produceChannel is read by the goroutine started in NewProducer;
	// Close closes it.
	produceChannel chan *Message
	logs           chan LogEvent
	closeLogs      bool // logs was made here, so Close closes it
	fwdReports     bool // go.delivery.reports
	fields         reportFields
	autoCreate     bool // allow.auto.create.topics, for GetMetadata

	closed atomic.Bool
	// outstanding counts the messages Produce took whose report is not yet
	// in its channel (or dropped): Len's share of what the producer holds.
	outstanding atomic.Int64

	pending sync.Pool // *pending, one per message from Produce to its report

	stopping chan struct{} // closed first by Close: nothing waits for queue space any more
	term     chan struct{} // closed by Close once the producer.Producer is closed
	pumpDone chan struct{} // closed when the pump returns
	chanDone chan struct{} // closed when the ProduceChannel goroutine returns
	logsDone chan struct{} // closed when the log forwarder returns; nil without it
}

// pending is a message between Produce and its report: the
// producer.Message the producer.Producer carries, whose Opaque points back
// here, and what the report needs. Recycled through Producer.pending, so a
// message costs no allocation of its own.
type pending struct {
	pm producer.Message
	km *Message
	ch chan Event // the deliveryChan, or nil
}

// pollInterval bounds how long the pump waits in Poll, and so how long
// Close waits for it to notice.
const pollInterval = 100 * time.Millisecond

// NewProducer creates a producer from conf, which it does not keep or
// change.
//
// The go.* properties are confluent-kafka-go's, with its types (a value of
// another type is an ErrInvalidArg error naming the expected one):
//   - go.delivery.reports (bool, default true): send delivery reports of
//     messages produced without a deliveryChan to Events; false drops them.
//   - go.delivery.report.fields (string, default "key,value"): the fields
//     a report keeps: "all", "none", or a comma-separated list of key,
//     value and headers; the others are set to nil in the report.
//   - go.events.channel.size (int, default 1000000): Events' capacity.
//   - go.produce.channel.size (int, default 1000000): ProduceChannel's
//     capacity.
//   - go.logs.channel.enable (bool, default false): log lines go to Logs.
//   - go.logs.channel (chan LogEvent): the channel Logs returns, in place
//     of one made with 10000 slots; Close does not close it.
//   - go.batch.producer (bool): accepted; ProduceChannel works the same
//     either way.
//
// delivery.report.only.error=true is refused with ErrUnsupportedFeature, as
// confluent-kafka-go does. Every other property goes to producer.New, which
// fails with ErrInvalidArg for one it does not know.
func NewProducer(conf *ConfigMap) (*Producer, error) {
	if conf == nil {
		conf = &ConfigMap{}
	}
	g, pc, err := conf.split()
	if err != nil {
		return nil, err
	}
	pp, err := producer.New(pc)
	if err != nil {
		return nil, fromProducerError(err)
	}
	p := &Producer{
		p:              pp,
		events:         make(chan Event, g.eventsSize),
		produceChannel: make(chan *Message, g.produceSize),
		fwdReports:     g.deliveryReports,
		fields:         g.fields,
		autoCreate:     autoCreate(pc),
		stopping:       make(chan struct{}),
		term:           make(chan struct{}),
		pumpDone:       make(chan struct{}),
		chanDone:       make(chan struct{}),
	}
	p.pending.New = func() any { return new(pending) }
	if g.logsEnable {
		p.logs = g.logsChan
		if p.logs == nil {
			p.logs = make(chan LogEvent, 10000)
			p.closeLogs = true
		}
		p.logsDone = make(chan struct{})
		go p.forwardLogs(pp.Logs())
	}
	go p.pump()
	go p.channelProducer()
	return p, nil
}

// autoCreate reads allow.auto.create.topics as producer.New does, for
// GetMetadata's requests: true unless set to false.
func autoCreate(pc producer.ConfigMap) bool {
	switch v := pc["allow.auto.create.topics"].(type) {
	case bool:
		return v
	case string:
		return !(v == "false" || v == "f" || v == "0")
	case int:
		return v != 0
	}
	return true
}

// Produce queues msg for sending and returns at once. Its delivery report,
// msg itself with TopicPartition's Partition, Offset and Error filled in,
// comes on deliveryChan when it is not nil, else on Events (unless
// go.delivery.reports=false).
//
// Produce fails, without taking msg, with ErrInvalidArg for a nil message
// or topic, ErrQueueFull when queue.buffering.max.messages or
// queue.buffering.max.kbytes is reached (wait for reports, then produce
// again), ErrMsgSizeTooLarge, ErrUnknownPartition, ErrUnknownTopic, ErrFatal
// after a fatal error, and ErrState after Close.
func (p *Producer) Produce(msg *Message, deliveryChan chan Event) error {
	if p.closed.Load() {
		return errClosed
	}
	return p.produce(msg, deliveryChan)
}

// produce is Produce without the closed check, for the ProduceChannel
// goroutine, which Close lets finish.
func (p *Producer) produce(msg *Message, deliveryChan chan Event) error {
	if msg == nil || msg.TopicPartition.Topic == nil || *msg.TopicPartition.Topic == "" {
		return newErrorStr(ErrInvalidArg, "")
	}
	w := p.pending.Get().(*pending)
	w.km, w.ch = msg, deliveryChan
	pm := &w.pm
	pm.Topic = *msg.TopicPartition.Topic
	pm.Partition = msg.TopicPartition.Partition
	pm.Key, pm.Value = msg.Key, msg.Value
	pm.Headers = producerHeaders(msg.Headers)
	pm.Timestamp = msg.Timestamp
	pm.Opaque = w
	p.outstanding.Add(1)
	if err := p.p.Produce(pm, nil); err != nil {
		p.outstanding.Add(-1)
		p.recycle(w)
		return fromProducerError(err)
	}
	return nil
}

// recycle clears w and keeps it for the next message.
func (p *Producer) recycle(w *pending) {
	*w = pending{}
	p.pending.Put(w)
}

// Events returns the channel of delivery reports (of messages produced
// without a deliveryChan) and other events: Error, *Stats and
// OAuthBearerTokenRefresh. Close closes it. Read it: events wait in it,
// count in Len, and once it is full, every report waits.
func (p *Producer) Events() chan Event { return p.events }

// ProduceChannel returns a channel that produces each message sent on it,
// reported as Produce's are on Events. When the producer's queue is full,
// the message waits for room instead of failing; a message that fails
// otherwise comes back on Events with TopicPartition.Error set. Close
// closes the channel: sending on it after Close panics.
//
// Deprecated: use Produce, as confluent-kafka-go advises; the channel
// hides errors and adds a goroutine hop per message.
func (p *Producer) ProduceChannel() chan *Message { return p.produceChannel }

// Logs returns the channel of log lines with go.logs.channel.enable=true,
// else nil. A line that finds it full waits (and the producer drops later
// lines, telling how many in the next); Close closes it unless it was given
// as go.logs.channel.
func (p *Producer) Logs() chan LogEvent { return p.logs }

// Len returns the number of messages and events not yet handed to the
// application: messages produced and not yet reported on their channel,
// events waiting in Events, and messages waiting in ProduceChannel. As in
// confluent-kafka-go, Flush waits for it to reach 0, so Events must be
// read for Flush to return 0.
func (p *Producer) Len() int {
	return int(p.outstanding.Load()) + len(p.events) + len(p.produceChannel)
}

// Flush sends every queued message without waiting for linger.ms and waits
// up to timeoutMs milliseconds (not a time.Duration: see package producer's
// Flush for that) until Len is 0. It returns Len when it returns: 0 means
// every message produced before the call has been reported and every event
// received.
func (p *Producer) Flush(timeoutMs int) int {
	end := time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	if left := time.Until(end); left > 0 && !p.closed.Load() {
		p.p.Flush(left) // sends now; returns once every report is out of the producer.Producer
	}
	wait := time.Millisecond
	for {
		n := p.Len()
		if n == 0 {
			return 0
		}
		left := time.Until(end)
		if left <= 0 || p.closed.Load() {
			return n
		}
		// The rest is the pump handing reports over and the application
		// reading Events: neither says when it is done, so look again soon.
		t := time.NewTimer(min(wait, left))
		<-t.C
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// Close stops the producer, without flushing: call Flush first. Messages
// still queued or in flight fail with ErrDestroy; their reports go to
// their channels if there is room (a deliveryChan or Events that is not
// read does not hold Close up). Then Events, and Logs unless it was given
// as go.logs.channel, are closed. Close returns once every goroutine the
// Producer started has stopped. Calling it again does nothing.
func (p *Producer) Close() {
	if !p.closed.CompareAndSwap(false, true) {
		return
	}
	close(p.stopping)
	close(p.produceChannel)
	<-p.chanDone
	p.p.Close() // reports what it held, for the pump
	close(p.term)
	<-p.pumpDone
	close(p.events)
	if p.logsDone != nil {
		<-p.logsDone
		if p.closeLogs {
			close(p.logs)
		}
	}
}

// IsClosed reports whether Close has been called.
func (p *Producer) IsClosed() bool { return p.closed.Load() }

// String names the producer, for logs.
func (p *Producer) String() string { return p.p.String() }

// Purge flags, as confluent-kafka-go's and librdkafka's.
const (
	// PurgeInFlight fails the messages in requests waiting for a response
	// (ErrPurgeInflight; they may have been written).
	PurgeInFlight = producer.PurgeInFlight
	// PurgeQueue fails the messages not yet sent (ErrPurgeQueue).
	PurgeQueue = producer.PurgeQueue
	// PurgeNonBlocking: kprod's purge never blocks; accepted for
	// compatibility.
	PurgeNonBlocking = producer.PurgeNonBlocking
)

// Purge fails the messages flags select, each reported with its error
// code on its channel. Unknown flags fail with ErrInvalidArg.
func (p *Producer) Purge(flags int) error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.Purge(flags))
}

// GetFatalError returns the fatal error the producer raised, as an Error
// with its original code and IsFatal, or nil if none was raised.
func (p *Producer) GetFatalError() error {
	if p.closed.Load() {
		return errClosed
	}
	return fatalError(p.p.FatalError())
}

// fatalError converts the producer.Producer's fatal error.
func fatalError(err error) error {
	if err == nil {
		return nil
	}
	e := fromProducerError(err).(Error)
	e.fatal = true
	return e
}

// TestFatalError raises a fatal error with code and str as if the producer
// had found it, for testing how an application handles one: a fatal Error
// on Events, Produce failing, GetFatalError returning it. It returns
// ErrNoError, or ErrPrevInProgress when a fatal error was already raised.
func (p *Producer) TestFatalError(code ErrorCode, str string) ErrorCode {
	if p.closed.Load() {
		return ErrState
	}
	return ErrorCode(p.p.TestFatalError(producer.ErrorCode(code), str))
}

// SetOAuthBearerToken sets the OAUTHBEARER token, answering an
// OAuthBearerTokenRefresh event.
func (p *Producer) SetOAuthBearerToken(oauthBearerToken OAuthBearerToken) error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.SetOAuthBearerToken(oauthBearerToken))
}

// SetOAuthBearerTokenFailure tells the producer no token could be had,
// answering an OAuthBearerTokenRefresh event; another comes 10 s later.
func (p *Producer) SetOAuthBearerTokenFailure(errstr string) error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.SetOAuthBearerTokenFailure(errstr))
}

// SetSaslCredentials sets the SASL PLAIN or SCRAM user name and password
// for the connections authenticated from now on.
func (p *Producer) SetSaslCredentials(username, password string) error {
	if p.closed.Load() {
		return errClosed
	}
	return fromProducerError(p.p.SetSaslCredentials(username, password))
}
