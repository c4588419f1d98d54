package main

import "sync"

// floorItem is what a client keeps per message at the least: the value,
// the key and the produce time, recycled from its report as the other
// drivers do.
type floorItem struct {
	value []byte
	key   []byte
	start int64
}

// floorDriver is no Kafka client: Produce hands each message to a
// reporting goroutine, which reports it at once. The handoff is the
// cheapest one a client could have: items are queued under one mutex and
// taken by the reporter a slice at a time, with one wake-up per slice. Its
// CPU per message is what the harness itself costs (the item pool, the
// recorder, a goroutine per side), a floor under every client's number.
type floorDriver struct {
	rec  *recorder
	c    config
	pool sync.Pool // *floorItem

	// mu guards queue and closed; more signals the reporter (capacity 1).
	mu     sync.Mutex
	queue  []*floorItem
	closed bool
	more   chan struct{}
	done   chan struct{} // closed when the reporter exits
}

func openFloor(c config) (driver, []string, error) {
	d := &floorDriver{rec: c.rec, c: c, more: make(chan struct{}, 1), done: make(chan struct{})}
	go d.report()
	return d, []string{"no library: the harness's own cost (messages handed to a reporting goroutine)"}, nil
}

func (d *floorDriver) Version() string { return "(no library)" }

func (d *floorDriver) Produce(i int, start int64) error {
	it := item[floorItem](&d.pool, d.c.newMessages)
	it.value = d.c.pay.Values[i%len(d.c.pay.Values)]
	it.key = nil
	if d.c.pay.Keys != nil {
		it.key = d.c.pay.Keys[i%len(d.c.pay.Keys)]
	}
	it.start = start
	d.mu.Lock()
	d.queue = append(d.queue, it)
	first := len(d.queue) == 1
	d.mu.Unlock()
	if first {
		select {
		case d.more <- struct{}{}:
		default:
		}
	}
	return nil
}

// report takes the queue a slice at a time and reports every item, until
// Close.
func (d *floorDriver) report() {
	defer close(d.done)
	var taken []*floorItem
	for {
		d.mu.Lock()
		taken, d.queue = d.queue, taken[:0]
		closed := d.closed
		d.mu.Unlock()
		for i, it := range taken {
			start := it.start
			if !d.c.newMessages {
				d.pool.Put(it)
			}
			d.rec.Report(start, nil)
			taken[i] = nil
		}
		if len(taken) == 0 {
			if closed {
				return
			}
			<-d.more
		}
	}
}

func (d *floorDriver) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	select {
	case d.more <- struct{}{}:
	default:
	}
	<-d.done
}
