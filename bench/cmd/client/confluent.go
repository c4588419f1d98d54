//go:build cgo

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

type confluentDriver struct {
	p         *kafka.Producer
	rec       *recorder
	c         config
	msg       kafka.Message // reused: Produce copies it into librdkafka
	queueFull atomic.Int64
	done      chan struct{} // closed when the events loop exits
}

func openConfluent(c config) (driver, []string, error) {
	s := c.s
	cm := &kafka.ConfigMap{
		"bootstrap.servers":            strings.Join(c.brokers, ","),
		"linger.ms":                    strconv.FormatFloat(float64(s.Linger)/float64(time.Millisecond), 'f', -1, 64),
		"batch.size":                   s.BatchBytes,
		"batch.num.messages":           s.BatchMessages,
		"acks":                         s.Acks,
		"enable.idempotence":           s.Idempotent,
		"compression.type":             s.Compression,
		"queue.buffering.max.messages": s.MaxOutstanding,
		// The bound on a whole request (one partition's batch, for
		// librdkafka); batch.size still bounds each batch.
		"message.max.bytes": s.RequestBytes,
		// Reports carry no key and value back into Go: the harness does
		// not read them, and copying them out of C would only add cost.
		"go.delivery.report.fields": "none",
		// No KIP-714 telemetry pushes: the other clients send none.
		"enable.metrics.push": false,
	}
	for _, kv := range c.props {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, nil, fmt.Errorf("-X %s: want key=value", kv)
		}
		cm.SetKey(k, v)
	}
	p, err := kafka.NewProducer(cm)
	if err != nil {
		return nil, nil, err
	}
	d := &confluentDriver{p: p, rec: c.rec, c: c, done: make(chan struct{})}
	d.msg.TopicPartition = kafka.TopicPartition{Topic: &d.c.topic, Partition: kafka.PartitionAny}
	go d.events()
	notes := []string{"go.delivery.report.fields=none and enable.metrics.push=false; the latency sample's start time travels as the message Opaque (one small allocation per sampled message)"}
	return d, notes, nil
}

func (d *confluentDriver) Version() string {
	_, v := kafka.LibraryVersion()
	return moduleVersion("github.com/confluentinc/confluent-kafka-go/v2") + " (librdkafka " + v + ")"
}

// events serves delivery reports from the Events channel until Close
// closes it.
func (d *confluentDriver) events() {
	defer close(d.done)
	for ev := range d.p.Events() {
		switch e := ev.(type) {
		case *kafka.Message:
			var start int64
			if e.Opaque != nil {
				start = e.Opaque.(int64)
			}
			var err error
			if e.TopicPartition.Error != nil {
				err = e.TopicPartition.Error
			}
			d.rec.Report(start, err)
		case kafka.Error:
			fmt.Fprintln(os.Stderr, "confluent event:", e)
		}
	}
}

func (d *confluentDriver) Produce(i int, start int64) error {
	d.msg.Value = d.c.pay.Values[i%len(d.c.pay.Values)]
	if d.c.pay.Keys != nil {
		d.msg.Key = d.c.pay.Keys[i%len(d.c.pay.Keys)]
	}
	d.msg.Opaque = nil
	if start > 0 {
		d.msg.Opaque = start
	}
	for {
		err := d.p.Produce(&d.msg, nil)
		if err == nil {
			return nil
		}
		if e, ok := err.(kafka.Error); !ok || e.Code() != kafka.ErrQueueFull {
			return err
		}
		d.queueFull.Add(1)
		time.Sleep(100 * time.Microsecond)
	}
}

func (d *confluentDriver) Close() {
	d.p.Close()
	<-d.done
	if n := d.queueFull.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "confluent: Produce returned ErrQueueFull %d times\n", n)
	}
}
