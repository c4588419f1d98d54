// Package deadline is the message timeout rule (message.timeout.ms, alias
// delivery.timeout.ms), for every place that applies it: queued batches,
// messages waiting for their topic's metadata, batches coming back for a
// retry, and the deadline of a Produce request.
//
// A message first enqueued at time first (a batch: when its first record
// was appended) is past its deadline at every now with
// now - first >= timeout. A timeout of 0 means no deadline. Times are the
// producer clock's monotonic nanoseconds.
package deadline

import "time"

// Expired reports whether a message first enqueued at first has passed its
// deadline at now.
func Expired(first, now int64, timeout time.Duration) bool {
	cutoff, ok := Cutoff(now, timeout)
	return ok && first <= cutoff
}

// Cutoff returns the latest first-enqueue time that has expired at now:
// every message enqueued at or before it has passed its deadline. ok is
// false when timeout means no deadline.
func Cutoff(now int64, timeout time.Duration) (cutoff int64, ok bool) {
	if timeout <= 0 {
		return 0, false
	}
	return now - int64(timeout), true
}

// At returns the deadline of a message first enqueued at first: the
// earliest now at which it has expired. ok is false when timeout means no
// deadline.
func At(first int64, timeout time.Duration) (at int64, ok bool) {
	if timeout <= 0 {
		return 0, false
	}
	return first + int64(timeout), true
}
