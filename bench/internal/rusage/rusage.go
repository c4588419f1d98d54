// Package rusage reads the process's CPU time and peak resident set size
// from getrusage(RUSAGE_SELF), which counts every thread of the process:
// Go's runtime and, for confluent-kafka-go, librdkafka's threads.
package rusage

import (
	"syscall"
	"time"
)

// Usage is a snapshot of the process's resource use.
type Usage struct {
	User   time.Duration
	System time.Duration
	MaxRSS int64 // peak resident set size in bytes (Linux reports KiB)
}

// Self returns the current process's usage.
func Self() (Usage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Usage{}, err
	}
	return Usage{
		User:   time.Duration(ru.Utime.Nano()),
		System: time.Duration(ru.Stime.Nano()),
		MaxRSS: int64(ru.Maxrss) * 1024,
	}, nil
}

// CPU returns user plus system time.
func (u Usage) CPU() time.Duration { return u.User + u.System }
