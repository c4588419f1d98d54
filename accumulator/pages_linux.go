//go:build linux

package accumulator

import "syscall"

// slabbed says chunks are carved from slabs whose pages the pool manages
// with madvise (see Pool).
const slabbed = true

// adviseHuge asks the kernel to back b with transparent huge pages where it
// can. Errors (a kernel without THP) leave ordinary pages, which work too.
func adviseHuge(b []byte) { _ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) }

// adviseNoHuge undoes adviseHuge before the memory goes back to the Go
// runtime, which reuses it for other objects.
func adviseNoHuge(b []byte) { _ = syscall.Madvise(b, syscall.MADV_NOHUGEPAGE) }

// releasePages gives b's physical pages back to the kernel; b stays valid
// and reads as zeros until written again.
func releasePages(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
