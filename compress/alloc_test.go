package compress

import (
	"fmt"
	"testing"
)

func TestAppendEncodedAllocatesNothingInSteadyState(t *testing.T) {
	// A batch of about 200 KB of records and a small one, into a dst with
	// room for the output: the producer's steady state, where the request
	// buffer is reused from batch to batch.
	inputs := []testInput{
		{"200 KB of records", jsonRecords(1000, 31)},
		{"one record", jsonRecords(1, 32)},
		{"64 KiB of random bytes", randomBytes(64<<10, 33)},
	}
	for _, typ := range allTypes {
		for _, level := range benchLevels[typ] {
			c := mustNew(t, typ, level)
			for _, in := range inputs {
				t.Run(fmt.Sprintf("%v/level=%d/%s", typ, c.Level(), in.name), func(t *testing.T) {
					first, err := c.AppendEncoded(nil, in.data)
					if err != nil {
						t.Fatal(err)
					}
					dst := make([]byte, 0, len(first)) // exactly the room the output needs
					allocs := testing.AllocsPerRun(10, func() {
						if dst, err = c.AppendEncoded(dst[:0], in.data); err != nil {
							t.Fatal(err)
						}
					})
					if allocs != 0 {
						t.Fatalf("AppendEncoded made %v allocations per call, want 0", allocs)
					}
				})
			}
		}
	}
}
