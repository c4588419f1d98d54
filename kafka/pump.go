package kafka

import (
	"errors"
	"time"
	"unsafe"

	"github.com/kprod-go/kprod/producer"
)

// Header and producer.Header have the same fields, so a []Header is
// handed to the producer without a copy.
var _ = producer.Header(Header{})

// producerHeaders returns hs as package producer's headers, sharing memory.
func producerHeaders(hs []Header) []producer.Header {
	if hs == nil {
		return nil
	}
	return unsafe.Slice((*producer.Header)(unsafe.Pointer(unsafe.SliceData(hs))), len(hs))
}

// pump is the goroutine that takes events from the producer.Producer and
// sends them on the application's channels; it owns nothing else. It
// stops when Close closes term, after handing over what is left without
// waiting for room.
func (p *Producer) pump() {
	defer close(p.pumpDone)
	for {
		select {
		case <-p.term:
			for ev := p.p.Poll(0); ev != nil; ev = p.p.Poll(0) {
				p.forward(ev, false)
			}
			return
		default:
		}
		if ev := p.p.Poll(pollInterval); ev != nil {
			p.forward(ev, true)
		}
	}
}

// forward converts one event and sends it where it goes. With wait, a full
// channel is waited for until Close; without, the event is dropped.
func (p *Producer) forward(ev producer.Event, wait bool) {
	switch e := ev.(type) {
	case *producer.Message:
		w, ok := e.Opaque.(*pending)
		if !ok {
			return // not produced through this package
		}
		km, ch := w.km, w.ch
		p.fillReport(km, e)
		p.recycle(w)
		if ch == nil && p.fwdReports {
			ch = p.events
		}
		if ch != nil {
			p.send(ch, km, wait)
		}
		p.outstanding.Add(-1)
	case producer.Error:
		p.send(p.events, p.errorEvent(e), wait)
	case *producer.Stats:
		p.send(p.events, &Stats{s: e}, wait)
	case producer.OAuthBearerTokenRefresh:
		p.send(p.events, e, wait)
	}
}

// send sends ev on ch, waiting for room until Close if wait is set. Room
// is tried first, so that an event that fits is never dropped because
// Close came at the same moment.
func (p *Producer) send(ch chan Event, ev Event, wait bool) {
	select {
	case ch <- ev:
		return
	default:
	}
	if !wait {
		return
	}
	select {
	case ch <- ev:
	case <-p.term:
	}
}

// errorEvent converts an Error event. A fatal one carries the original
// code, as librdkafka's fatal error events do in confluent-kafka-go.
func (p *Producer) errorEvent(e producer.Error) Error {
	if e.IsFatal() {
		if f := p.p.FatalError(); f != nil {
			return fatalError(f).(Error)
		}
	}
	return fromProducerError(e).(Error)
}

// fillReport writes the outcome of pm into km, the message given to
// Produce.
func (p *Producer) fillReport(km *Message, pm *producer.Message) {
	tp := &km.TopicPartition
	tp.Partition = pm.Partition
	tp.Offset = Offset(pm.Offset)
	if pm.Offset < 0 {
		tp.Offset = OffsetInvalid
	}
	tp.Error = reportError(pm.Err)
	if !pm.Timestamp.IsZero() {
		km.Timestamp = pm.Timestamp
		km.TimestampType = TimestampCreateTime
		if pm.TimestampType == producer.TimestampLogAppendTime {
			km.TimestampType = TimestampLogAppendTime
		}
	}
	if !p.fields.key {
		km.Key = nil
	}
	if !p.fields.value {
		km.Value = nil
	}
	if !p.fields.headers {
		km.Headers = nil
	}
}

// channelProducer is the goroutine that produces what comes on
// ProduceChannel, until Close closes it. It waits for room when the queue
// is full, as confluent-kafka-go's RD_KAFKA_MSG_F_BLOCK does.
func (p *Producer) channelProducer() {
	defer close(p.chanDone)
	for m := range p.produceChannel {
		err := p.produceWaiting(m)
		if err == nil {
			continue
		}
		if m == nil {
			continue
		}
		m.TopicPartition.Error = err
		select {
		case p.events <- m:
		default:
			select {
			case p.events <- m:
			case <-p.stopping:
			}
		}
	}
}

// produceWaiting produces m, waiting while the queue is full until Close.
func (p *Producer) produceWaiting(m *Message) error {
	wait := time.Millisecond
	for {
		err := p.produce(m, nil)
		var ke Error
		if err == nil || !errors.As(err, &ke) || ke.code != ErrQueueFull {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-p.stopping:
			t.Stop()
			return err
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// forwardLogs is the goroutine that converts the producer.Producer's log
// lines for Logs. It returns when the producer.Producer closes its channel,
// in Close; a line that finds Logs full waits, until Close.
func (p *Producer) forwardLogs(src chan producer.LogEvent) {
	defer close(p.logsDone)
	for e := range src {
		le := LogEvent{Name: e.Name, Tag: e.Tag, Message: e.Message, Level: e.Level, Timestamp: e.Timestamp}
		select {
		case p.logs <- le:
		default:
			select {
			case p.logs <- le:
			case <-p.stopping:
			}
		}
	}
}
