// Package kmsgspin tells fuzz tests which inputs can make kmsg v1.15.0 spin.
//
// kmsg reads a tagged-field section by looping over its count even after the
// input has run out, so a count of 2^21 or more (three continuation bytes in
// a row) spins for seconds to minutes. kprod's producer never decodes a
// flexible version (see the broker package's doc), but its fuzz tests do:
// they skip such inputs while the bug lasts, and once kmsg stops spinning,
// Spins turns false and nothing is skipped any more.
package kmsgspin

import (
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// MaySpin reports whether decoding body at a flexible (or not) version can
// hit kmsg's tag-count spin, so that a fuzz test should skip it.
func MaySpin(flexible bool, body []byte) bool {
	if !flexible || !Spins() {
		return false
	}
	run := 0
	for _, c := range body {
		if c < 0x80 {
			run = 0
		} else if run++; run >= 3 {
			return true
		}
	}
	return false
}

// Spins reports whether kmsg still loops over a tagged-field count past the
// end of its input: it times a Metadata v12 response whose last tag count is
// 2^20 (about 20 ms of looping when it does, microseconds when it does not).
var Spins = sync.OnceValue(func() bool {
	r := kmsg.NewPtrMetadataResponse()
	r.Version = 12
	body := r.AppendTo(nil)
	body = append(body[:len(body)-1], 0x80, 0x80, 0x40)
	fastest := time.Hour
	for range 3 {
		start := time.Now()
		_ = r.ReadFrom(body)
		fastest = min(fastest, time.Since(start))
	}
	return fastest > 5*time.Millisecond
})
