package accumulator

import "time"

// Clock converts time.Time readings into the monotonic nanoseconds the
// accumulator works in. The zero Clock is not usable; use NewClock.
type Clock struct{ origin time.Time }

// NewClock returns a clock whose origin is now.
func NewClock() Clock { return Clock{origin: time.Now()} }

// Mono returns t as nanoseconds since the clock's origin, using t's
// monotonic reading.
func (c Clock) Mono(t time.Time) int64 { return int64(t.Sub(c.origin)) }

// Now returns the current monotonic time.
func (c Clock) Now() int64 { return int64(time.Since(c.origin)) }
