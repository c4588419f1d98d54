package producer

import (
	"math/bits"
	"sync/atomic"
)

// account counts what the producer holds: messages from Produce until their
// report is served (handed to the application, or suppressed), which
// queue.buffering.max.messages, queue.buffering.max.kbytes and Len count; and
// messages from Produce until their report is produced, which Flush waits
// for.
//
// Every count is a running total that only grows; what is held or
// unreported is a difference of totals read in an order that keeps it
// exact. Produce, the hot path, writes one total with one atomic operation,
// where three counters that go up and down would take three:
//
//   - When both limits fit one 64-bit word side by side (the defaults,
//     100,000 messages and 1 GiB, take 17 + 31 bits), a message and its
//     value bytes are added to one packed word, the count in the low shift
//     bits, by a compare-and-swap that succeeds only if the result stays
//     within both limits. Packed totals wrap, but the difference of two of
//     them splits back into count and bytes exactly because neither held
//     amount can exceed its limit, hence its field.
//   - Otherwise (no message limit, or limits too wide to share a word)
//     count and bytes are two totals: bytes added, checked, and counted
//     out again if refused; the count taken as above, against the message
//     limit alone.
//
// Totals taken together are read as a snapshot (see snapshot): out and done
// never pass in, which the order of writes guarantees (a message enters in
// before it can be served or reported).
type account struct {
	maxMsgs  uint64 // queue.buffering.max.messages; 0: no limit
	maxBytes uint64 // queue.buffering.max.kbytes in bytes
	shift    uint   // width of the count field when packed; 0 when not
	mask     uint64 // 1<<shift - 1 when packed; all ones when not

	// Written by every Produce (the limits above, which Produce reads, may
	// share their line; the reporters' totals below do not).
	in      atomic.Uint64 // messages taken: packed with their value bytes, or the count
	inBytes atomic.Uint64 // their value bytes when not packed
	_       [48]byte

	// Written by completions and reporters, a batch at a time.
	out      atomic.Uint64 // messages served, or refused after taking (in's layout)
	outBytes atomic.Uint64 // their value bytes when not packed, and bytes refused by take
	done     atomic.Uint64 // messages whose report has been produced, or refused after taking
	_        [56]byte      // whatever follows, read by every Produce, is on another line
}

// init sets the limits of an empty account.
func (a *account) init(maxMsgs, maxKBytes int) {
	a.maxMsgs, a.maxBytes = uint64(maxMsgs), uint64(maxKBytes)*1024
	a.shift, a.mask = 0, ^uint64(0)
	if w := bits.Len64(a.maxMsgs); a.maxMsgs > 0 && w+bits.Len64(a.maxBytes) <= 64 {
		a.shift, a.mask = uint(w), 1<<w-1
	}
}

// Which limit refused a message.
const (
	takeOK = iota
	takeFullMsgs
	takeFullBytes
)

// take counts one message of valueBytes in, or refuses it, leaving the
// totals as they were, when that would exceed a limit.
func (a *account) take(valueBytes int) int {
	n := uint64(valueBytes)
	add := uint64(1)
	if a.shift == 0 {
		// Bytes first, added then checked: out is read first and only
		// grows, so the difference can only overstate what is held.
		out := a.outBytes.Load()
		if a.inBytes.Add(n)-out > a.maxBytes {
			a.outBytes.Add(n)
			return takeFullBytes
		}
		if a.maxMsgs == 0 {
			a.in.Add(1)
			return takeOK
		}
	} else {
		add += n << a.shift
	}
	for {
		in := a.in.Load()
		held := in - a.out.Load() // exact if in still holds: see below
		full := takeOK
		switch {
		case held&a.mask >= a.maxMsgs:
			full = takeFullMsgs
		case a.shift != 0 && held>>a.shift+n > a.maxBytes:
			full = takeFullBytes
		}
		if full != takeOK {
			if a.in.Load() != in {
				continue // out may have counted messages newer than in
			}
			if a.shift == 0 {
				a.outBytes.Add(n)
			}
			return full
		}
		if a.in.CompareAndSwap(in, in+add) {
			return takeOK
		}
	}
}

// served counts n messages with valueBytes of values out of what is held,
// once their reports have been handed out.
func (a *account) served(n, valueBytes int64) {
	if a.shift != 0 {
		a.out.Add(uint64(n) + uint64(valueBytes)<<a.shift) // a sum: totals carry from count to bytes alike
		return
	}
	a.out.Add(uint64(n))
	a.outBytes.Add(uint64(valueBytes))
}

// unserve takes back served(n, valueBytes) for reports counted out but
// not handed out after all (Close gave up sending them to the
// application's channel; they wait for Poll instead). Totals wrap, so
// adding the negation subtracts, in either layout.
func (a *account) unserve(n, valueBytes int64) { a.served(-n, -valueBytes) }

// reported counts n messages as reported and tells whether none is left
// unreported. Of completions racing to the last message, the one that
// counts last sees it.
func (a *account) reported(n int) (none bool) {
	d := a.done.Add(uint64(n))
	in := a.in.Load()
	return a.done.Load() == d && (in-d)&a.mask == 0
}

// unreported returns how many messages taken have no report yet.
func (a *account) unreported() int {
	d, in := snapshot(&a.done, &a.in)
	return int((in - d) & a.mask)
}

// heldMsgs returns how many messages are held, from Produce until their
// report is served.
func (a *account) heldMsgs() int {
	o, in := snapshot(&a.out, &a.in)
	return int((in - o) & a.mask)
}

// heldBytes returns the value bytes of the messages held, read as
// heldMsgs reads the count.
func (a *account) heldBytes() int64 {
	if a.shift != 0 {
		o, in := snapshot(&a.out, &a.in)
		return int64((in - o) >> a.shift)
	}
	o, in := snapshot(&a.outBytes, &a.inBytes)
	return int64(in - o)
}

// snapshot returns the totals sub and in as they were at one instant: in
// is read between two equal readings of sub. Read apart, in − sub could
// count what sub added after in was read, and wrap below zero.
func snapshot(sub, in *atomic.Uint64) (s, i uint64) {
	for {
		s = sub.Load()
		i = in.Load()
		if sub.Load() == s {
			return s, i
		}
	}
}

// activity returns a number that changes whenever a message is taken,
// served or refused, so that an idle producer can be told from a busy one.
func (a *account) activity() int64 { return int64(a.in.Load() + a.out.Load()) }
