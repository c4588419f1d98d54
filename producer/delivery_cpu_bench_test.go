//go:build unix

package producer

import (
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// cpuNow returns the process's user and system time so far.
func cpuNow(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchReportPath measures a successful batch's reports from the sender's
// Complete hook (a reportSet) to an application goroutine that receives
// them. receive runs on its own goroutine and returns
// after n reports, reading each one's Opaque and Err as an application
// does and calling got after each. Besides the wall time it reports
// cpu-ns/op, the CPU time of both goroutines per report: on two cores
// the wall time hides what the receiving side costs.
func benchReportPath(b *testing.B, dr chan Event, poll bool) {
	p := newDeliveryOnly(b)
	p.acct.init(200_000, 1<<20) // the defaults' layout: count and bytes packed
	set := newReportSet(p)
	var recv atomic.Int64
	more := make(chan struct{}, 1)
	done := make(chan struct{})
	check := func(e Event) {
		m, ok := e.(*Message)
		if !ok || m.Err != nil || m.Opaque != m {
			b.Errorf("report: %v", e)
		}
		if n := recv.Add(1); n%1024 == 0 {
			select {
			case more <- struct{}{}:
			default:
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuNow(b)
	go func() {
		defer close(done)
		for got := 0; got < b.N; {
			var e Event
			if poll {
				if e = p.Poll(100 * time.Millisecond); e == nil {
					continue
				}
			} else {
				e = <-dr
			}
			check(e)
			got++
		}
	}()
	for i := 0; i < b.N; i += reportBatch {
		// Reuse a message only long after its report was received, and
		// stay under the message limit.
		for int64(min(i+reportBatch, b.N))-recv.Load() > 32*reportBatch {
			<-more
		}
		set.complete(b, i, dr)
	}
	<-done
	b.ReportMetric(float64(cpuNow(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkReportPathChannel: reports to a buffered deliveryChan, as
// Produce(m, ch) sends them.
func BenchmarkReportPathChannel(b *testing.B) { benchReportPath(b, make(chan Event, 10_000), false) }

// BenchmarkReportPathPoll: reports to Poll, called by the application's
// goroutine.
func BenchmarkReportPathPoll(b *testing.B) { benchReportPath(b, nil, true) }
