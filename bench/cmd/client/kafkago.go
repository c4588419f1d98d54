package main

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

type kafkaGoDriver struct {
	w   *kafka.Writer
	rec *recorder
	c   config
}

func openKafkaGo(c config) (driver, []string, error) {
	s := c.s
	d := &kafkaGoDriver{rec: c.rec, c: c}
	w := &kafka.Writer{
		Addr:         kafka.TCP(c.brokers...),
		Topic:        c.topic,
		BatchSize:    s.BatchMessages,
		BatchBytes:   int64(s.BatchBytes),
		BatchTimeout: s.Linger,
		Async:        true,
		Completion:   d.completion,
	}
	notes := []string{
		"no idempotent producer in kafka-go: runs without idempotence",
		"WriteMessages is called with one message per call, as every other client's Produce; kafka-go's per-call cost favours larger slices",
		"linger is Writer.BatchTimeout; the batch byte limit is Writer.BatchBytes",
		"a request carries one partition's batch: no request size cap to set",
	}
	if s.Linger == 0 {
		// kafka-go reads a BatchTimeout of 0 as its default, 1 s.
		w.BatchTimeout = time.Nanosecond
		notes = append(notes, "linger 0 is BatchTimeout 1 ns (0 would be kafka-go's default, 1 s)")
	}
	if c.pay.Keys != nil {
		w.Balancer = &kafka.Murmur2Balancer{}
		notes = append(notes, "Murmur2Balancer for keys (the default RoundRobin ignores keys)")
	} else {
		notes = append(notes, "default RoundRobin balancer: keyless messages rotate over partitions one by one")
	}
	switch s.Acks {
	case "all", "-1":
		w.RequiredAcks = kafka.RequireAll
	case "1":
		w.RequiredAcks = kafka.RequireOne
	case "0":
		w.RequiredAcks = kafka.RequireNone
	default:
		return nil, nil, fmt.Errorf("acks %q", s.Acks)
	}
	switch s.Compression {
	case "none":
	case "gzip":
		w.Compression = kafka.Gzip
	case "snappy":
		w.Compression = kafka.Snappy
	case "lz4":
		w.Compression = kafka.Lz4
	case "zstd":
		w.Compression = kafka.Zstd
	default:
		return nil, nil, fmt.Errorf("compression %q", s.Compression)
	}
	d.w = w
	return d, notes, nil
}

// completion is called by the writer's goroutines, one call per batch.
func (d *kafkaGoDriver) completion(msgs []kafka.Message, err error) {
	for i := range msgs {
		var start int64
		if v, ok := msgs[i].WriterData.(int64); ok {
			start = v
		}
		d.rec.Report(start, err)
	}
}

func (d *kafkaGoDriver) Produce(i int, start int64) error {
	m := kafka.Message{Value: d.c.pay.Values[i%len(d.c.pay.Values)]}
	if d.c.pay.Keys != nil {
		m.Key = d.c.pay.Keys[i%len(d.c.pay.Keys)]
	}
	if start > 0 {
		m.WriterData = start
	}
	return d.w.WriteMessages(context.Background(), m)
}

func (d *kafkaGoDriver) Close() { d.w.Close() }
