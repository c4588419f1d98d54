//go:build unix

package main

import (
	"runtime"
	"syscall"
	"time"
)

// isDarwin: getrusage's ru_maxrss is in bytes there, KiB elsewhere.
const isDarwin = runtime.GOOS == "darwin" || runtime.GOOS == "ios"

// cpuUsage returns the process's user plus system CPU time and its peak
// resident set size in bytes, from getrusage.
func cpuUsage() (cpu time.Duration, maxRSS int64, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0, false
	}
	rss := int64(ru.Maxrss) * 1024 // Linux reports KiB
	if isDarwin {
		rss = int64(ru.Maxrss) // macOS reports bytes
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), rss, true
}
