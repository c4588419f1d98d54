package main

import (
	"context"
	"fmt"
	"sync"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"
)

// franzItem is a record and its produce time, recycled from the promise.
// The record is the first field, so the *kgo.Record the promise receives
// is also a pointer to its item.
type franzItem struct {
	r     kgo.Record
	start int64
}

type franzDriver struct {
	cl      *kgo.Client
	rec     *recorder
	c       config
	pool    sync.Pool // *franzItem
	promise func(*kgo.Record, error)
}

func openFranz(c config) (driver, []string, error) {
	s := c.s
	acks, err := s.AcksInt()
	if err != nil {
		return nil, nil, err
	}
	var codec kgo.CompressionCodec
	switch s.Compression {
	case "none":
		codec = kgo.NoCompression()
	case "gzip":
		codec = kgo.GzipCompression()
	case "snappy":
		codec = kgo.SnappyCompression()
	case "lz4":
		codec = kgo.Lz4Compression()
	case "zstd":
		codec = kgo.ZstdCompression()
	default:
		return nil, nil, fmt.Errorf("compression %q", s.Compression)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.brokers...),
		kgo.DefaultProduceTopic(c.topic),
		kgo.ProducerLinger(s.Linger),
		kgo.ProducerBatchMaxBytes(int32(s.BatchBytes)),
		kgo.BrokerMaxWriteBytes(int32(s.RequestBytes)),
		kgo.ProducerBatchCompression(codec),
		kgo.MaxBufferedRecords(s.MaxOutstanding),
	}
	switch acks {
	case -1:
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case 1:
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	case 0:
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
	}
	notes := []string{"no per-batch message limit (batch.num.messages): batches are bounded by bytes only"}
	if !s.Idempotent {
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(5))
		notes = append(notes, "without idempotence, 5 requests in flight per broker (franz-go's default is 1)")
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, nil, err
	}
	d := &franzDriver{cl: cl, rec: c.rec, c: c}
	d.promise = d.delivered
	return d, notes, nil
}

func (d *franzDriver) delivered(r *kgo.Record, err error) {
	it := (*franzItem)(unsafe.Pointer(r))
	start := it.start
	if !d.c.newMessages {
		d.pool.Put(it)
	}
	d.rec.Report(start, err)
}

func (d *franzDriver) Produce(i int, start int64) error {
	it := item[franzItem](&d.pool, d.c.newMessages)
	it.start = start
	it.r = kgo.Record{Value: d.c.pay.Values[i%len(d.c.pay.Values)]}
	if d.c.pay.Keys != nil {
		it.r.Key = d.c.pay.Keys[i%len(d.c.pay.Keys)]
	}
	d.cl.Produce(context.Background(), &it.r, d.promise)
	return nil
}

func (d *franzDriver) Close() { d.cl.Close() }
