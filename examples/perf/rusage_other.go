//go:build !unix

package main

import "time"

// cpuUsage is not available here.
func cpuUsage() (cpu time.Duration, maxRSS int64, ok bool) { return 0, 0, false }
