package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/producer"
)

// kprodItem is a message and its produce time. Items are recycled from
// delivery reports, the fast path kprod's API allows: the report is the
// *Message given to Produce (unless -new-messages).
type kprodItem struct {
	m     producer.Message
	start int64
}

type kprodDriver struct {
	p         *producer.Producer
	rec       *recorder
	c         config
	pool      sync.Pool // *kprodItem
	queueFull atomic.Int64
	stop      atomic.Bool
	done      chan struct{}       // closed when the report loop exits
	dr        chan producer.Event // the deliveryChan with -reports channel; nil: Poll
	// inTxn counts the messages of the open transaction with -txn-size;
	// owned by the producing goroutine.
	inTxn int
}

func openKprod(c config) (driver, []string, error) {
	s := c.s
	cm := producer.ConfigMap{
		"bootstrap.servers":            strings.Join(c.brokers, ","),
		"linger.ms":                    s.Linger,
		"batch.size":                   s.BatchBytes,
		"batch.num.messages":           s.BatchMessages,
		"acks":                         s.Acks,
		"enable.idempotence":           s.Idempotent,
		"compression.type":             s.Compression,
		"queue.buffering.max.messages": s.MaxOutstanding,
		// librdkafka's bound on a whole Produce request; batch.size still
		// bounds each batch.
		"message.max.bytes": s.RequestBytes,
	}
	var notes []string
	if c.txnSize > 0 {
		// A new id for every run: none fences another.
		cm["transactional.id"] = fmt.Sprintf("kprod-bench-%d-%d", os.Getpid(), time.Now().UnixNano())
		notes = append(notes, fmt.Sprintf("transactional: %d messages per transaction, each committed (-txn-size)", c.txnSize))
	}
	for _, kv := range c.props {
		if err := cm.Set(kv); err != nil {
			return nil, nil, fmt.Errorf("-X %s: %w", kv, err)
		}
	}
	d := &kprodDriver{rec: c.rec, c: c, done: make(chan struct{})}
	var opts []producer.Option
	if c.reports == "func" {
		opts = append(opts, producer.WithDeliveryFunc(func(m *producer.Message) { d.event(m) }))
	}
	p, err := producer.New(cm, opts...)
	if err != nil {
		return nil, nil, err
	}
	d.p = p
	switch c.reports {
	case "channel":
		// Buffered, as applications usually make it.
		d.dr = make(chan producer.Event, 10_000)
		go d.channelReports()
		notes = append(notes, "reports from a deliveryChan (-reports channel)")
	case "events":
		go d.eventReports()
		notes = append(notes, "reports from the Events channel (-reports events)")
	case "func":
		go d.reports() // Poll serves the delivery function
		notes = append(notes, "reports to a delivery function served by Poll (-reports func)")
	default: // poll; run checked the name
		go d.reports()
	}
	if c.txnSize > 0 {
		if err := txnCall("InitTransactions", p.InitTransactions); err != nil {
			d.Close()
			return nil, notes, err
		}
	}
	return d, notes, nil
}

// txnCall makes a transactional call, and makes it again while it fails
// with a retriable error (a timeout): it then resumes where it stopped.
// Any other error ends the run: the benchmark does not write a
// transaction again, which would count its messages twice.
func txnCall(name string, f func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := f(context.Background()) // bounded by transaction.timeout.ms
		if err == nil {
			return nil
		}
		var e producer.Error
		if !errors.As(err, &e) || !e.IsRetriable() || attempt == 10 {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "kprod: %s: %v: calling it again\n", name, err)
	}
}

func (d *kprodDriver) Version() string { return producer.Version }

// reports serves delivery reports from Poll until Close.
func (d *kprodDriver) reports() {
	defer close(d.done)
	for !d.stop.Load() {
		d.event(d.p.Poll(100 * time.Millisecond))
	}
}

// channelReports serves delivery reports from the deliveryChan until Close
// closes it.
func (d *kprodDriver) channelReports() {
	defer close(d.done)
	for e := range d.dr {
		d.event(e)
	}
}

// eventReports serves delivery reports from the Events channel until
// Close closes it.
func (d *kprodDriver) eventReports() {
	defer close(d.done)
	for e := range d.p.Events() {
		d.event(e)
	}
}

func (d *kprodDriver) event(e producer.Event) {
	switch e := e.(type) {
	case *producer.Message:
		it := e.Opaque.(*kprodItem)
		start, err := it.start, e.Err
		if !d.c.newMessages {
			d.pool.Put(it)
		}
		d.rec.Report(start, err)
	case producer.Error:
		fmt.Fprintln(os.Stderr, "kprod event:", e)
	}
}

func (d *kprodDriver) Produce(i int, start int64) error {
	if d.c.txnSize > 0 && d.inTxn == 0 {
		if err := d.p.BeginTransaction(); err != nil {
			return fmt.Errorf("BeginTransaction: %w", err)
		}
	}
	if err := d.produce(i, start); err != nil {
		return err
	}
	if d.c.txnSize > 0 {
		if d.inTxn++; d.inTxn == d.c.txnSize {
			return d.Finish()
		}
	}
	return nil
}

// Finish commits the open transaction, if there is one. CommitTransaction
// flushes: it returns once every message of the transaction is delivered
// and the transaction committed.
func (d *kprodDriver) Finish() error {
	if d.inTxn == 0 {
		return nil
	}
	d.inTxn = 0
	return txnCall("CommitTransaction", d.p.CommitTransaction)
}

func (d *kprodDriver) produce(i int, start int64) error {
	it := item[kprodItem](&d.pool, d.c.newMessages)
	it.start = start
	it.m = producer.Message{
		Topic:     d.c.topic,
		Partition: producer.PartitionAny,
		Value:     d.c.pay.Values[i%len(d.c.pay.Values)],
		Opaque:    it,
	}
	if d.c.pay.Keys != nil {
		it.m.Key = d.c.pay.Keys[i%len(d.c.pay.Keys)]
	}
	for {
		err := d.p.Produce(&it.m, d.dr)
		if err == nil || !errors.Is(err, producer.ErrQueueFull) {
			return err
		}
		// The harness keeps fewer messages outstanding than the queue
		// holds, so this should not happen; back off if it does.
		d.queueFull.Add(1)
		time.Sleep(100 * time.Microsecond)
	}
}

func (d *kprodDriver) Close() {
	switch {
	case d.dr != nil:
		d.p.Close() // sends every report still queued; then the loop ends with the channel
		close(d.dr)
		<-d.done
	case d.c.reports == "events":
		d.p.Close() // closes the Events channel after the last report
		<-d.done
	default:
		d.stop.Store(true)
		<-d.done
		d.p.Close()
	}
	if n := d.queueFull.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "kprod: Produce returned ErrQueueFull %d times\n", n)
	}
}
