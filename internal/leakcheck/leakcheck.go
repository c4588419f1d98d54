// Package leakcheck tells tests whether goroutines that kprod's packages
// started are still running, once what started them has been closed. It
// is for tests only.
package leakcheck

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// Check fails t if goroutines started inside kprod's packages (not by
// tests) are still running 5 s after the call. It polls every 10 ms:
// a goroutine's exit has nothing to wait on.
func Check(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		stacks := Goroutines()
		if stacks == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines left running after Close:\n%s", stacks)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Goroutines returns the stacks of the running goroutines that kprod's
// packages started (not tests), or "" when there are none.
func Goroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		i := strings.LastIndex(g, "created by ")
		if i < 0 {
			continue
		}
		if creator := g[i:]; strings.Contains(creator, "github.com/kprod-go/kprod/") && !strings.Contains(creator, "_test.") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
