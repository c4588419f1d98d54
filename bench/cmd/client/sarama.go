package main

import (
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

// saramaItem is a message and its produce time, recycled once the message
// comes back on Successes or Errors.
type saramaItem struct {
	m     sarama.ProducerMessage
	start int64
}

type saramaDriver struct {
	p      sarama.AsyncProducer
	rec    *recorder
	c      config
	pool   sync.Pool        // *saramaItem
	values []sarama.Encoder // the payload, boxed once
	keys   []sarama.Encoder
	wg     sync.WaitGroup
}

func openSarama(c config) (driver, []string, error) {
	s := c.s
	cfg := sarama.NewConfig()
	cfg.ClientID = "bench"
	cfg.Version = sarama.V2_8_0_0
	switch s.Acks {
	case "all", "-1":
		cfg.Producer.RequiredAcks = sarama.WaitForAll
	case "1":
		cfg.Producer.RequiredAcks = sarama.WaitForLocal
	case "0":
		cfg.Producer.RequiredAcks = sarama.NoResponse
	default:
		return nil, nil, fmt.Errorf("acks %q", s.Acks)
	}
	notes := []string{
		"linger is Producer.Flush.Frequency, a flush timer per broker rather than per batch",
		"batch size is Producer.Flush.Bytes (a flush trigger) and Producer.MaxMessageBytes (the cap)",
		"no per-batch message limit (Producer.Flush.MaxMessages limits a whole request)",
		"default hash partitioner (FNV-1a; random partition per keyless message)",
	}
	if s.Idempotent {
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1 // sarama requires it with idempotence
		notes = append(notes, "1 request in flight per broker: sarama's idempotent producer requires Net.MaxOpenRequests=1 (the others allow 5)")
	}
	cfg.Producer.Flush.Frequency = s.Linger
	cfg.Producer.Flush.Bytes = s.BatchBytes
	if s.Linger == 0 {
		// With a byte trigger and no timer, sarama would hold messages until
		// the trigger's bytes arrive; with no trigger at all it sends as soon
		// as it can, which is what linger 0 asks.
		cfg.Producer.Flush.Bytes = 0
		notes = append(notes, "linger 0: no Producer.Flush.Bytes trigger either, so that sarama sends at once (with only a byte trigger it would wait for it)")
	}
	cfg.Producer.MaxMessageBytes = s.BatchBytes
	sarama.MaxRequestSize = int32(s.RequestBytes) // a package variable: one client per process here
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	switch s.Compression {
	case "none":
		cfg.Producer.Compression = sarama.CompressionNone
	case "gzip":
		cfg.Producer.Compression = sarama.CompressionGZIP
	case "snappy":
		cfg.Producer.Compression = sarama.CompressionSnappy
	case "lz4":
		cfg.Producer.Compression = sarama.CompressionLZ4
	case "zstd":
		cfg.Producer.Compression = sarama.CompressionZSTD
	default:
		return nil, nil, fmt.Errorf("compression %q", s.Compression)
	}
	p, err := sarama.NewAsyncProducer(c.brokers, cfg)
	if err != nil {
		return nil, nil, err
	}
	d := &saramaDriver{p: p, rec: c.rec, c: c}
	for _, v := range c.pay.Values {
		d.values = append(d.values, sarama.ByteEncoder(v))
	}
	for _, k := range c.pay.Keys {
		d.keys = append(d.keys, sarama.ByteEncoder(k))
	}
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		for m := range p.Successes() {
			d.report(m, nil)
		}
	}()
	go func() {
		defer d.wg.Done()
		for e := range p.Errors() {
			d.report(e.Msg, e.Err)
		}
	}()
	return d, notes, nil
}

func (d *saramaDriver) report(m *sarama.ProducerMessage, err error) {
	it := m.Metadata.(*saramaItem)
	start := it.start
	if !d.c.newMessages {
		d.pool.Put(it)
	}
	d.rec.Report(start, err)
}

func (d *saramaDriver) Produce(i int, start int64) error {
	it := item[saramaItem](&d.pool, d.c.newMessages)
	it.start = start
	it.m = sarama.ProducerMessage{Topic: d.c.topic, Value: d.values[i%len(d.values)], Metadata: it}
	if d.keys != nil {
		it.m.Key = d.keys[i%len(d.keys)]
	}
	d.p.Input() <- &it.m
	return nil
}

func (d *saramaDriver) Close() {
	d.p.AsyncClose()
	d.wg.Wait()
}
