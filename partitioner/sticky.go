package partitioner

import (
	"math"
	"sync/atomic"
	"time"
)

// notPicked is the lastPick value that makes the next message pick a new
// sticky partition, like librdkafka's rd_interval with ri_ts_last = 0. It is
// far enough in the past for any reading, yet now − notPicked cannot
// overflow.
const notPicked = math.MinInt64 / 2

// sticky is librdkafka's per-topic sticky partition for keyless messages
// (rd_kafka_msg_sticky_partition). On every keyless message:
//
//   - if the current sticky partition has no leader (or is out of range,
//     or none has been picked yet), the interval is expedited so that a new
//     one is picked now;
//   - if more than the linger has passed since the last pick, a new
//     partition is picked with the random partitioner, which avoids a
//     leaderless draw by drawing once more. It may pick the same partition.
//
// Only time matters: bytes, batches and queue depth play no part. Times are
// whole microseconds, as librdkafka's rd_clock, and the switch needs
// strictly more than the linger to have passed.
//
// The state is two atomics and no lock. librdkafka runs this under the
// topic's read lock, so concurrent producers race there too; here a
// compare-and-swap on lastPick elects the one goroutine that picks, and a
// goroutine that loses it takes the partition stored at that moment, which
// may still be the previous one for a message sent during the switch.
type sticky struct {
	lingerUS int64            // sticky.partitioning.linger.ms, in microseconds
	now      func() time.Time // the injected clock; nil means the monotonic clock
	origin   time.Time
	pick     func(n int32, avail Availability) int32 // the random partitioner

	current  atomic.Int32 // the sticky partition; -1 until the first pick
	lastPick atomic.Int64 // microseconds since origin of the last pick, or notPicked
}

func newSticky(linger time.Duration, now func() time.Time, pick func(int32, Availability) int32) *sticky {
	s := &sticky{lingerUS: linger.Microseconds(), now: now, origin: time.Now(), pick: pick}
	if now != nil {
		s.origin = now()
	}
	s.current.Store(-1)
	s.lastPick.Store(notPicked)
	return s
}

// partition returns the topic's sticky partition for a keyless message,
// picking a new one when it is due.
func (s *sticky) partition(n int32, avail Availability) int32 {
	return s.partitionAt(n, avail, s.elapsed())
}

// partitionAt is partition at a given monotonic time. Its origin is the
// caller's, and must not change: partition measures from the state's
// creation, so one sticky state is driven by one of the two only.
func (s *sticky) partitionAt(n int32, avail Availability, elapsed time.Duration) int32 {
	p := s.current.Load()
	if p < 0 || p >= n || (avail != nil && !avail.Available(p)) {
		s.lastPick.Store(notPicked)
	}
	now := elapsed.Microseconds()
	last := s.lastPick.Load()
	if now-last > s.lingerUS {
		if s.lastPick.CompareAndSwap(last, now) {
			p = s.pick(n, avail)
			s.current.Store(p)
			return p
		}
		// Another goroutine is picking; use what it stored, if anything.
		p = s.current.Load()
	}
	if p < 0 || p >= n {
		// Only a racing first pick (or a shrunken topic) gets here: never
		// hand out a partition that does not exist.
		return s.pick(n, avail)
	}
	return p
}

// elapsed returns the time since the sticky state was created. Without an
// injected clock it reads only the monotonic clock (time.Since does), half
// the cost of time.Now on the keyless hot path.
func (s *sticky) elapsed() time.Duration {
	if s.now == nil {
		return time.Since(s.origin)
	}
	return s.now().Sub(s.origin)
}
