package main

import (
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
	for _, kv := range c.props {
		if err := cm.Set(kv); err != nil {
			return nil, nil, fmt.Errorf("-X %s: %w", kv, err)
		}
	}
	p, err := producer.New(cm)
	if err != nil {
		return nil, nil, err
	}
	d := &kprodDriver{p: p, rec: c.rec, c: c, done: make(chan struct{})}
	if c.reports == "channel" {
		// Buffered, as applications usually make it.
		d.dr = make(chan producer.Event, 10_000)
		go d.channelReports()
		return d, []string{"reports from a deliveryChan (-reports channel)"}, nil
	}
	go d.reports()
	return d, nil, nil
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
	if d.dr != nil {
		d.p.Close() // sends every report still queued; then the loop ends with the channel
		close(d.dr)
		<-d.done
	} else {
		d.stop.Store(true)
		<-d.done
		d.p.Close()
	}
	if n := d.queueFull.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "kprod: Produce returned ErrQueueFull %d times\n", n)
	}
}
