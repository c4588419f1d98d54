//go:build !linux

package accumulator

// slabbed is false where the pool cannot manage pages: chunks are then
// allocated one by one and dropped to the garbage collector instead of
// having their pages released.
const slabbed = false

func adviseHuge([]byte)   {}
func adviseNoHuge([]byte) {}
func releasePages([]byte) {}
