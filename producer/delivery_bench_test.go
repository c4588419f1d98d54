package producer

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/sender"
)

// newDeliveryOnly returns a Producer with just what deliver needs: the
// accounts, the report queue and the channel reporter.
func newDeliveryOnly(tb testing.TB) *Producer {
	p := &Producer{cfg: &config{goDeliveryReports: true}, flushed: make(chan struct{})}
	p.acct.init(50_000, 1<<20) // fewer than the benchmark's messages: none is reused while in flight
	p.reports = newReportQueue(p.acct.served)
	p.chans = newChanReporter(p.acct.served, p.acct.unserve, p.reports.pushMessages)
	tb.Cleanup(func() { p.chans.close(time.Now().Add(time.Second)) })
	return p
}

// BenchmarkDeliverToChannel measures a report's way from a finished batch
// of 64 messages to the application's deliveryChan, as one goroutine
// receiving from a buffered channel sees it.
func BenchmarkDeliverToChannel(b *testing.B) {
	p := newDeliveryOnly(b)
	const batch = 64
	dr := make(chan Event, 10_000)
	msgs := make([]Message, 100_000)
	value := make([]byte, 100)
	for i := range msgs {
		msgs[i].Value, msgs[i].valueLen = value, int32(len(value))
	}
	done := make(chan struct{})
	go func() {
		for range b.N {
			<-dr
		}
		close(done)
	}()
	group := make([]*Message, 0, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		group = group[:0]
		for ; len(group) < batch && i < b.N; i++ {
			m := &msgs[i%len(msgs)]
			if p.acct.take(len(m.Value)) != takeOK {
				break // the limit: deliver what is taken, then wait for reports
			}
			m.drChan = dr
			group = append(group, m)
		}
		if len(group) == 0 {
			runtime.Gosched()
			continue
		}
		p.deliver(group, false)
	}
	<-done
}

// BenchmarkDeliverQuiet measures the reports that the configuration
// suppresses (go.delivery.reports=false): counted out, handed to no one.
func BenchmarkDeliverQuiet(b *testing.B) {
	p := newDeliveryOnly(b)
	p.cfg.goDeliveryReports = false
	const batch = 64
	msgs := make([]Message, batch)
	group := make([]*Message, batch)
	value := make([]byte, 100)
	for i := range msgs {
		msgs[i].Value, msgs[i].valueLen = value, int32(len(value))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		for j := range group {
			p.acct.take(len(value))
			group[j] = &msgs[j]
		}
		p.deliver(group, false)
	}
}

// BenchmarkCompleteToPoll measures a successful batch's reports from the
// sender's Complete hook to the application's Poll, for batches of 4,096
// messages taken in turn from a set far larger than the CPU caches: the
// messages were written by Produce long before their batch completes, so
// each touch of one is a cache miss, as in a producer under load.
func BenchmarkCompleteToPoll(b *testing.B) {
	p := newDeliveryOnly(b)
	set := newReportSet(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += reportBatch {
		n := set.complete(b, i, nil)
		for range n {
			if m, ok := p.Poll(0).(*Message); !ok || m.Err != nil {
				b.Fatalf("Poll: %v", m)
			}
		}
	}
}

// BenchmarkCompleteToDeliveryFunc is BenchmarkCompleteToPoll with
// WithDeliveryFunc: Poll calls the function with each report, a group of
// up to 64 popped under one lock, with no channel hop.
func BenchmarkCompleteToDeliveryFunc(b *testing.B) {
	p := newDeliveryOnly(b)
	var served int
	p.dr = &deliveryFunc{fn: func(m *Message) {
		if m.Err != nil {
			b.Fatalf("report: %v", m.Err)
		}
		served++
	}}
	set := newReportSet(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += reportBatch {
		n := set.complete(b, i, nil)
		for want := served + n; served < want; {
			if e := p.Poll(0); e != nil {
				b.Fatalf("Poll: %v", e)
			}
		}
	}
}

// BenchmarkCompleteToEvents is BenchmarkCompleteToPoll with the reports
// received from the Events channel by another goroutine, as a
// confluent-kafka-go application receives them: one unbuffered channel
// send and receive per report.
func BenchmarkCompleteToEvents(b *testing.B) {
	p := newDeliveryOnly(b)
	set := newReportSet(p)
	events := p.Events()
	received := make(chan int, 1)
	go func() {
		n := 0
		for e := range events {
			if m, ok := e.(*Message); !ok || m.Err != nil {
				panic(fmt.Sprintf("event: %v", e))
			}
			n++
		}
		received <- n
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += reportBatch {
		set.complete(b, i, nil)
		for p.reports.len() > 0 { // the batch is received before its messages are reused
			runtime.Gosched()
		}
	}
	p.reports.close()
	p.events.close(time.Now().Add(time.Minute))
	if n := <-received; n != b.N {
		b.Fatalf("received %d reports, want %d", n, b.N)
	}
}

// reportBatch is the size of the batches a reportSet completes.
const reportBatch = 4096

// reportSet is a set of messages far larger than the CPU caches, completed
// a batch of reportBatch at a time, taken in turn, through the sender's
// Complete hook: the messages were written long before their batch
// completes, so each first touch of one is a cache miss, as in a producer
// under load.
type reportSet struct {
	p    *Producer
	msgs []Message
	refs []any
	part *sender.Partition
}

func newReportSet(p *Producer) *reportSet {
	s := &reportSet{p: p, msgs: make([]Message, 64*reportBatch), refs: make([]any, reportBatch), part: &sender.Partition{}} // 48 MiB of messages
	value := make([]byte, 100)
	for i := range s.msgs {
		s.msgs[i].Value, s.msgs[i].valueLen = value, int32(len(value))
		s.msgs[i].Opaque = &s.msgs[i]
	}
	return s
}

// complete counts in and completes the batch of the run's messages from
// i, with dr as their deliveryChan (nil: Poll), and returns its size.
func (s *reportSet) complete(b *testing.B, i int, dr chan Event) int {
	n := min(reportBatch, b.N-i)
	first := (i / reportBatch % 64) * reportBatch
	for j := range n {
		m := &s.msgs[first+j]
		if s.p.acct.take(int(m.valueLen)) != takeOK {
			b.Fatal("over the queue limits: the benchmark reuses messages still held")
		}
		m.drChan = dr
		s.refs[j] = m
	}
	senderResults{s.p}.Complete(s.part, &accumulator.Batch{Refs: s.refs[:n]}, sender.Outcome{BaseOffset: int64(i), LogAppendTime: -1})
	return n
}
