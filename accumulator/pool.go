package accumulator

import (
	"sync"
	"unsafe"

	"github.com/kprod-go/kprod/internal/wire"
)

// ChunkSize is the size of the chunks a batch's records are written into.
// A batch takes a new chunk when its last one cannot hold the next record;
// a record larger than a chunk gets a chunk of its own size.
//
// Fixed-size chunks mean a batch never regrows and every chunk fits every
// batch, so released memory is always reusable. 32 KiB wastes less than one
// record per chunk at its end (3% with 1 KB records) and keeps a small
// batch small.
const ChunkSize = 32 << 10

// Pool recycles the memory of one producer's batches: their record chunks,
// and the Batch structs with their reference slices.
//
// Why it matters: a producer keeps up to queue.buffering.max.kbytes of
// records in batches, and at high rates that memory turns over in well
// under a second. Memory left to the garbage collector comes back fresh,
// and the kernel faults it in page by page on the first write: with 1 KB
// messages, those page faults cost more than copying the records. A
// recycled chunk is already mapped.
//
// Slabs (Linux). Chunks are carved from 16 MiB slabs, and the slabs' 2 MiB
// aligned parts (at least 14 MiB of each, carved first) are advised as
// transparent huge pages: the first write to a chunk then faults in 2 MiB
// at once instead of 4 KiB. The pool keeps its slabs for its lifetime, so that memory with
// the huge-page advice never returns to the Go runtime while the pool
// uses it; Close takes the advice back and lets them go.
//
// Bound: the chunks kept warm for reuse plus those in use stay at or under
// the pool's limit (derived from queue.buffering.max.kbytes). A chunk put
// back beyond that, or left unused for a while (Trim), has its pages given
// back to the kernel (madvise DONTNEED) and waits, cold, to be reused
// before any new slab is carved: the producer's resident memory follows
// what it uses, and its address space what it used at its peak. Where
// pages cannot be given back (not Linux), such chunks are dropped to the
// garbage collector instead.
//
// The pool is safe for concurrent use.
type Pool struct {
	limit int // chunks; read-only

	// mu guards the following.
	mu      sync.Mutex
	free    [][]byte // warm free chunks, each of capacity ChunkSize
	cold    [][]byte // free chunks whose pages were given back to the kernel
	inUse   int      // ChunkSize chunks handed out and not put back
	low     int      // the fewest warm free chunks since the last Trim
	slabs   [][]byte // every slab chunks were carved from (Linux)
	rest    []byte   // the part of a slab chunks are being carved from
	rests   [][]byte // the slabs' parts to carve from next
	closed  bool     // Close was called: chunks put back are dropped
	batches []*Batch // free Batch structs, without chunks
	refs    int      // bytes of Refs, More and wireChunks capacity in batches
}

const (
	// MinPoolBytes is the least any pool keeps for reuse, whatever its limit.
	MinPoolBytes = 32 << 20
	// maxBatchStructBytes bounds the slices kept with free Batch structs.
	maxBatchStructBytes = 32 << 20

	slabSize = 16 << 20
	hugePage = 2 << 20
)

// NewPool returns a pool that keeps chunks for reuse while the chunks it
// holds and those in use stay within limit bytes (at least MinPoolBytes).
func NewPool(limit int) *Pool { return &Pool{limit: max(limit, MinPoolBytes) / ChunkSize} }

// getChunk returns an empty chunk with room for at least n bytes.
func (p *Pool) getChunk(n int) []byte {
	if n > ChunkSize {
		return make([]byte, 0, n) // not pooled
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inUse++
	if l := len(p.free); l > 0 {
		c := p.free[l-1]
		p.free[l-1] = nil
		p.free = p.free[:l-1]
		p.low = min(p.low, l-1)
		return c
	}
	if l := len(p.cold); l > 0 {
		c := p.cold[l-1]
		p.cold[l-1] = nil
		p.cold = p.cold[:l-1]
		return c
	}
	if !slabbed || p.closed {
		return make([]byte, 0, ChunkSize)
	}
	for len(p.rest) < ChunkSize {
		if len(p.rests) == 0 {
			p.newSlabLocked()
		}
		p.rest, p.rests = p.rests[0], p.rests[1:]
	}
	c := p.rest[:0:ChunkSize]
	p.rest = p.rest[ChunkSize:]
	return c
}

// newSlabLocked allocates a slab and queues its parts for carving: the
// 2 MiB aligned middle, advised as huge pages, first, then the ordinary
// pages before and after it.
func (p *Pool) newSlabLocked() {
	slab := make([]byte, slabSize)
	start := int(-uintptr(unsafe.Pointer(&slab[0])) & (hugePage - 1))
	end := start + (slabSize-start)/hugePage*hugePage
	adviseHuge(slab[start:end])
	p.slabs = append(p.slabs, slab)
	p.rests = append(p.rests, slab[start:end], slab[:start], slab[end:])
}

// putChunkLocked takes back chunks from getChunk, keeping them for reuse
// while the limit allows.
func (p *Pool) putChunkLocked(c []byte) {
	if cap(c) != ChunkSize {
		return // an oversized record's chunk: left to the garbage collector
	}
	p.inUse--
	switch {
	case p.closed:
	case len(p.free)+p.inUse < p.limit:
		p.free = append(p.free, c[:0])
	case slabbed:
		releasePages(c[:ChunkSize])
		p.cold = append(p.cold, c[:0])
	}
}

// getBatch returns an empty Batch with its first chunk and the header space
// reserved.
func (p *Pool) getBatch() *Batch {
	p.mu.Lock()
	var b *Batch
	if n := len(p.batches); n > 0 {
		b = p.batches[n-1]
		p.batches[n-1] = nil
		p.batches = p.batches[:n-1]
		p.refs -= batchStructBytes(b)
	}
	p.mu.Unlock()
	if b == nil {
		b = new(Batch)
	}
	b.pool = p
	b.Buf = wire.AppendBatchHeaderSpace(p.getChunk(0))
	b.size = len(b.Buf)
	return b
}

// putBatch takes back a completed batch and its chunks.
func (p *Pool) putBatch(b *Batch) {
	clear(b.Refs) // drop references to messages so they can be collected
	p.mu.Lock()
	defer p.mu.Unlock()
	p.putChunkLocked(b.Buf)
	for i, c := range b.More {
		p.putChunkLocked(c)
		b.More[i] = nil
	}
	for i, c := range b.wireChunks {
		p.putChunkLocked(c)
		b.wireChunks[i] = nil
	}
	*b = Batch{Refs: b.Refs[:0], More: b.More[:0], wireChunks: b.wireChunks[:0]}
	if size := batchStructBytes(b); p.refs+size <= maxBatchStructBytes {
		p.batches = append(p.batches, b)
		p.refs += size
	}
}

func batchStructBytes(b *Batch) int { return cap(b.Refs)*16 + (cap(b.More)+cap(b.wireChunks))*24 }

// putChunk takes back one chunk from getChunk.
func (p *Pool) putChunk(c []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.putChunkLocked(c)
}

// Trim gives the chunks that went unused since the last Trim back to the
// garbage collector: as many as the pool held at its lowest since then.
// Called periodically, it lets memory that a burst needed go once the burst
// is over.
func (p *Pool) Trim() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropLocked(len(p.free) - p.low)
}

// TrimTo gives back free chunks until the pool holds at most keep bytes.
func (p *Pool) TrimTo(keep int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropLocked(keep / ChunkSize)
}

// dropLocked keeps at most n warm free chunks: the others' pages go back
// to the kernel (or, without slabs, the chunks to the garbage collector).
func (p *Pool) dropLocked(n int) {
	if n < len(p.free) {
		for _, c := range p.free[n:] {
			if slabbed {
				releasePages(c[:ChunkSize])
				p.cold = append(p.cold, c)
			}
		}
		clear(p.free[n:])
		p.free = p.free[:n]
	}
	p.low = len(p.free)
}

// Close gives the pool's memory back: the slabs lose their huge-page advice
// and are left to the garbage collector, with every free chunk and batch.
// Chunks still in use stay valid; put back later, they are dropped. The
// pool still works after Close, allocating chunks one by one.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.slabs {
		adviseNoHuge(s)
	}
	p.closed = true
	p.slabs, p.rest, p.rests, p.free, p.cold, p.batches, p.refs = nil, nil, nil, nil, nil, nil, 0
}

// Held returns the bytes of warm free chunks the pool keeps for reuse and
// of chunks in use.
func (p *Pool) Held() (free, inUse int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free) * ChunkSize, p.inUse * ChunkSize
}
