package spec

import (
	"fmt"
	"math/rand/v2"
)

// poolSize is how many distinct values (and at most keys) a run cycles
// through: enough that compression sees varied data, few enough that
// clients needing a boxed value (sarama's Encoder) can box them up front.
const poolSize = 4096

// Payload holds the values and keys a client sends: message i carries
// Values[i%len(Values)] and, when there are keys, Keys[i%len(Keys)]. Every
// client reads the same bytes; none may modify them.
type Payload struct {
	Values [][]byte
	Keys   [][]byte // nil when the workload has no key
}

// NewPayload builds the payload for s. Values are overlapping windows of
// one block of generated JSON-like log lines, which compress about as well
// as real event data (lz4 roughly 2-3×), and differ from one message to the
// next so that a batch is not one value repeated.
func NewPayload(s Settings) Payload {
	rng := rand.New(rand.NewPCG(1, 2))
	block := make([]byte, 0, s.Size+poolSize*61+512)
	events := []string{"click", "view", "purchase", "login", "logout", "search", "scroll", "share"}
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}
	for len(block) < cap(block)-256 {
		block = fmt.Appendf(block, `{"id":%d,"user":"%s","event":"%s","path":"/p/%d/%d","ms":%d,"ok":%t}`+"\n",
			rng.Uint32(), users[rng.IntN(len(users))], events[rng.IntN(len(events))],
			rng.IntN(100), rng.IntN(1000), rng.IntN(5000), rng.IntN(10) > 0)
	}
	var p Payload
	p.Values = make([][]byte, poolSize)
	for i := range p.Values {
		off := i * 61 % (len(block) - s.Size)
		p.Values[i] = block[off : off+s.Size : off+s.Size]
	}
	if s.Keys > 0 {
		p.Keys = make([][]byte, min(s.Keys, poolSize))
		for i := range p.Keys {
			p.Keys[i] = fmt.Appendf(nil, "user-%06d", i*7919%1_000_000)
		}
	}
	return p
}

// Bytes returns the key and value bytes of message i.
func (p Payload) Bytes(i int) int {
	n := len(p.Values[i%len(p.Values)])
	if p.Keys != nil {
		n += len(p.Keys[i%len(p.Keys)])
	}
	return n
}
