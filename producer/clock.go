package producer

import (
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/accumulator"
)

// coarseClock serves Produce the time at millisecond granularity without a
// clock read per message: record timestamps are milliseconds and linger.ms is
// counted in milliseconds, while time.Now costs ~50 ns on some virtual
// machines, a quarter of a Produce call.
//
// The goroutine also trims the batch memory pool: about every second while
// busy (what went unused in that second), and down to the pool's floor
// when the producer goes idle.
//
// Its goroutine (started by New, stopped by Close) refreshes the cached time
// every millisecond while messages are being produced, and stops after 100
// ms without any: an idle producer costs no wake-ups. While the cache is
// stale, callers read the real clock and wake the goroutine.
type coarseClock struct {
	clock    accumulator.Clock
	activity func() int64 // changes whenever the producer is busy (messages held)
	pool     *accumulator.Pool

	wallMs atomic.Int64 // cached wall clock, ms since the epoch; 0 while stale
	mono   atomic.Int64 // cached monotonic time (clock's origin)

	wake chan struct{} // capacity 1: a stale read happened
	stop chan struct{} // closed by close
	done chan struct{} // closed when the goroutine exits
}

// idleTicks is how many quiet milliseconds stop the refreshing;
// trimTicks is how many ticks pass between trims of the pool.
const (
	idleTicks = 100
	trimTicks = 1024
)

func newCoarseClock(clock accumulator.Clock, activity func() int64, pool *accumulator.Pool) *coarseClock {
	c := &coarseClock{clock: clock, activity: activity, pool: pool,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// now returns the time as wall milliseconds and monotonic nanoseconds, at
// most a millisecond old. The two readings may be up to a tick apart.
func (c *coarseClock) now() (wallMs, mono int64) {
	if w := c.wallMs.Load(); w != 0 {
		return w, c.mono.Load()
	}
	t := time.Now()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return t.UnixMilli(), c.clock.Mono(t)
}

func (c *coarseClock) loop() {
	defer close(c.done)
	for {
		select { // stale until someone needs the time
		case <-c.stop:
			return
		case <-c.wake:
		}
		tick := time.NewTicker(time.Millisecond)
		last, idle := c.activity(), 0
		for n := 1; idle < idleTicks; n++ {
			if n%trimTicks == 0 {
				c.pool.Trim()
			}
			t := time.Now()
			c.mono.Store(c.clock.Mono(t))
			c.wallMs.Store(t.UnixMilli())
			select {
			case <-c.stop:
				tick.Stop()
				return
			case <-tick.C:
			}
			if a := c.activity(); a != last {
				last, idle = a, 0
			} else {
				idle++
			}
		}
		tick.Stop()
		c.wallMs.Store(0)
		c.pool.TrimTo(accumulator.MinPoolBytes)
	}
}

// close stops the goroutine and waits for it.
func (c *coarseClock) close() {
	close(c.stop)
	<-c.done
}
