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
// *Message given to Produce.
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
	done      chan struct{} // closed when the report loop exits
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
	go d.reports()
	return d, nil, nil
}

func (d *kprodDriver) Version() string { return producer.Version }

// reports serves delivery reports from Poll until Close.
func (d *kprodDriver) reports() {
	defer close(d.done)
	for !d.stop.Load() {
		switch e := d.p.Poll(100 * time.Millisecond).(type) {
		case *producer.Message:
			it := e.Opaque.(*kprodItem)
			start, err := it.start, e.Err
			d.pool.Put(it)
			d.rec.Report(start, err)
		case producer.Error:
			fmt.Fprintln(os.Stderr, "kprod event:", e)
		}
	}
}

func (d *kprodDriver) Produce(i int, start int64) error {
	it, _ := d.pool.Get().(*kprodItem)
	if it == nil {
		it = new(kprodItem)
	}
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
		err := d.p.Produce(&it.m, nil)
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
	d.stop.Store(true)
	<-d.done
	d.p.Close()
	if n := d.queueFull.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "kprod: Produce returned ErrQueueFull %d times\n", n)
	}
}
