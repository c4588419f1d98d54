package compress

import "runtime"

// pool is a bounded free list of encoder or decoder states.
//
// It is used instead of sync.Pool because a GC cycle empties a sync.Pool:
// a producer that compresses a batch now and then would rebuild its
// encoders (megabytes each for zstd) after every other collection. A pool
// keeps at most cap(free) states, GOMAXPROCS at creation, which bounds what
// it holds to the peak number of concurrent callers it has seen. Callers
// beyond that get a fresh state, which is dropped on put.
type pool[T any] struct {
	free  chan T
	alloc func() T
}

func newPool[T any](alloc func() T) *pool[T] {
	return &pool[T]{free: make(chan T, runtime.GOMAXPROCS(0)), alloc: alloc}
}

// get returns a free state, or a new one if none is free. It never blocks.
func (p *pool[T]) get() T {
	select {
	case v := <-p.free:
		return v
	default:
		return p.alloc()
	}
}

// put returns v to the free list, or drops it if the list is full.
func (p *pool[T]) put(v T) {
	select {
	case p.free <- v:
	default:
	}
}
