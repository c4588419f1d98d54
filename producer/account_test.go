package producer

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// accountCases are the two layouts: limits that share a word, and limits
// that do not (no message limit, or both at their widest).
var accountCases = []struct {
	name            string
	maxMsgs, maxKiB int
	packed          bool
}{
	{"the defaults pack count and bytes in one word", 100_000, 1_048_576, true},
	{"a small message limit packs", 3, 1, true},
	{"no message limit keeps two words", 0, 1, false},
	{"the widest limits keep two words", math.MaxInt32, math.MaxInt32, false},
}

func TestAccountLayoutFollowsTheLimits(t *testing.T) {
	for _, c := range accountCases {
		t.Run(c.name, func(t *testing.T) {
			var a account
			a.init(c.maxMsgs, c.maxKiB)
			require.Equal(t, c.packed, a.shift != 0)
		})
	}
	var a account
	a.init(100_000, 1_048_576)
	require.Equal(t, uint(17), a.shift, "100,000 messages need 17 bits")
}

func TestAccountRefusesAtEachLimitAndLeavesTheCountsAlone(t *testing.T) {
	t.Run("messages", func(t *testing.T) {
		var a account
		a.init(3, 1)
		for range 3 {
			require.Equal(t, takeOK, a.take(10))
		}
		require.Equal(t, takeFullMsgs, a.take(0))
		require.Equal(t, 3, a.heldMsgs())
		require.Equal(t, 3, a.unreported())
		a.served(1, 10)
		require.Equal(t, takeOK, a.take(10), "a served message frees its place")
		require.Equal(t, 3, a.heldMsgs())
	})
	for _, c := range accountCases { // with 1 KiB, the widest message limit packs too
		t.Run(fmt.Sprintf("bytes with max.messages=%d", c.maxMsgs), func(t *testing.T) {
			var a account
			a.init(c.maxMsgs, 1) // 1 KiB of values
			require.Equal(t, takeOK, a.take(1000))
			require.Equal(t, takeOK, a.take(24), "exactly at the limit is allowed")
			if c.maxMsgs == 0 || c.maxMsgs > 2 {
				require.Equal(t, takeFullBytes, a.take(1))
			}
			require.Equal(t, 2, a.heldMsgs())
			a.served(1, 1000)
			require.Equal(t, takeOK, a.take(1000), "served bytes free their room")
			require.Equal(t, takeFullBytes, a.take(1025), "a value over the whole limit never fits")
			require.Equal(t, 2, a.heldMsgs())
		})
	}
}

func TestAccountCountsReportsForFlush(t *testing.T) {
	for _, c := range accountCases {
		t.Run(c.name, func(t *testing.T) {
			var a account
			a.init(c.maxMsgs, c.maxKiB)
			for range 3 {
				require.Equal(t, takeOK, a.take(5))
			}
			require.False(t, a.reported(2))
			require.Equal(t, 1, a.unreported())
			require.Equal(t, 3, a.heldMsgs(), "reported is not served: Len still counts them")
			require.True(t, a.reported(1))
			require.Equal(t, 0, a.unreported())
			a.served(3, 15)
			require.Equal(t, 0, a.heldMsgs())
		})
	}
}

// The totals only grow and wrap around; differences must not notice.
func TestAccountSurvivesItsTotalsWrapping(t *testing.T) {
	var a account
	a.init(4, 1)
	start := -3 * (1 | 100<<a.shift) // three 100-byte messages short of the wrap
	for _, w := range []interface{ Store(uint64) }{&a.in, &a.out} {
		w.Store(uint64(start))
	}
	three := -3
	a.done.Store(uint64(three))
	for round := range 5 {
		for range 4 {
			require.Equal(t, takeOK, a.take(100), "round %d", round)
		}
		require.Equal(t, takeFullMsgs, a.take(100), "round %d", round)
		require.Equal(t, 4, a.heldMsgs())
		require.Equal(t, 4, a.unreported())
		require.True(t, a.reported(4))
		a.served(4, 400)
		require.Equal(t, 0, a.heldMsgs())
	}
	require.Less(t, a.in.Load(), uint64(start), "the totals wrapped")
}

// Racing producers and servers never push what is held past a limit, and
// the counts come out exact. One message is held throughout, so each
// worker's second take in a row meets the limit.
func TestAccountHoldsItsLimitsUnderConcurrency(t *testing.T) {
	for _, c := range []struct {
		name            string
		maxMsgs, maxKiB int
	}{{"packed", 2, 64}, {"two words", 0, 1}} {
		t.Run(c.name, func(t *testing.T) {
			var a account
			a.init(c.maxMsgs, c.maxKiB)
			const workers, each, size = 4, 20_000, 400 // two fit in 1 KiB
			require.Equal(t, takeOK, a.take(size))
			var wg sync.WaitGroup
			var mu sync.Mutex
			taken, peak, refused := 0, 0, 0
			for range workers {
				wg.Go(func() {
					for range each {
						got := 0
						for range 2 {
							if a.take(size) == takeOK {
								got++
							}
						}
						mu.Lock()
						taken += got
						refused += 2 - got
						peak = max(peak, a.heldMsgs())
						mu.Unlock()
						a.reported(got)
						a.served(int64(got), int64(got*size))
					}
				})
			}
			wg.Wait()
			require.Equal(t, 2*workers*each, taken+refused)
			require.GreaterOrEqual(t, refused, workers*each, "every second take meets the limit")
			require.LessOrEqual(t, peak, 2)
			require.Equal(t, 1, a.heldMsgs())
			require.True(t, a.reported(1))
			a.served(1, size)
			require.Equal(t, 0, a.heldMsgs())
			require.Equal(t, 0, a.unreported())
		})
	}
}
