package sender

import (
	"fmt"
	"sync"
)

// PIDState is where the idempotent producer's id stands, after librdkafka's
// rd_kafka_idemp_state_t. Only in StateAssigned may a batch be sent.
//
//	StateInit ──(a sink with a connection asks)──▶ StateRequestPID
//	StateRequestPID ──(InitProducerId answered)──▶ StateAssigned
//	StateRequestPID ──(retriable failure)──▶ StateInit (retried after 500 ms)
//	StateAssigned ──(a gap must be repaired, or the broker lost our id)──▶ StateDrainBump
//	StateDrainBump ──(nothing in flight any more)──▶ StateAssigned, epoch+1, sequences restart at 0
//	StateDrainBump ──(the epoch cannot grow)──▶ StateInit (a new producer id)
//	any ──(a fatal error)──▶ StateFatal (final)
type PIDState int32

// PID states.
const (
	StateInit       PIDState = iota // no producer id; one will be requested
	StateRequestPID                 // InitProducerId sent, waiting for the answer
	StateAssigned                   // producer id and epoch valid: batches may be sent
	StateDrainBump                  // waiting for in-flight requests to finish before bumping the epoch
	StateFatal                      // a fatal idempotence error: nothing more is sent
)

var pidStateNames = [...]string{"Init", "RequestPID", "Assigned", "DrainBump", "FatalError"}

// String returns librdkafka's name for the state.
func (s PIDState) String() string {
	if s >= 0 && int(s) < len(pidStateNames) {
		return pidStateNames[s]
	}
	return fmt.Sprintf("PIDState(%d)", int32(s))
}

// maxEpoch is the largest producer epoch. librdkafka masks the epoch with
// 0x7fff and wraps to 0, which a broker then fences; like the Java client,
// kprod asks for a new producer id instead.
const maxEpoch = 0x7fff

// pidRetryWait is how long a failed InitProducerId waits before the next
// attempt (librdkafka's 500 ms timer).
const pidRetryWait = 500_000_000 // ns

// pidState is the producer id, epoch and state machine, shared by every
// sink. The generation changes with each new id or epoch; a partition whose
// sequences belong to an older generation restarts them at 0.
type pidState struct {
	// mu guards the following.
	mu       sync.Mutex
	state    PIDState
	pid      int64
	epoch    int16
	gen      uint32 // 0 before the first id; +1 for each id or epoch
	retryAt  int64  // monotonic time of the next InitProducerId attempt in StateInit
	bumpWhy  string // why the current drain-and-bump was started, for logs
	fatalErr error  // set with StateFatal
	// next is the producer id and epoch a transactional producer's manager
	// gave (Sender.SetProducerID), installed by finishBump in place of a
	// local bump once nothing is in flight; hasNext says it is set.
	nextPID   int64
	nextEpoch int16
	hasNext   bool
}

// current returns the id, epoch and generation to send with, and whether
// sending is allowed now.
func (ps *pidState) current() (pid int64, epoch int16, gen uint32, ok bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.pid, ps.epoch, ps.gen, ps.state == StateAssigned
}

// State returns the current state.
func (ps *pidState) State() PIDState {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.state
}

// startRequest moves Init to RequestPID when the retry wait has passed, and
// reports whether the caller should now send InitProducerId.
func (ps *pidState) startRequest(now int64) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.state != StateInit || now < ps.retryAt {
		return false
	}
	ps.state = StateRequestPID
	return true
}

// assigned records a new producer id from InitProducerId.
func (ps *pidState) assigned(pid int64, epoch int16) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.state != StateRequestPID {
		return
	}
	ps.pid, ps.epoch, ps.state = pid, epoch, StateAssigned
	ps.gen++
}

// requestFailed returns to Init so that the request is tried again later.
func (ps *pidState) requestFailed(now int64) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.state == StateRequestPID {
		ps.state = StateInit
		ps.retryAt = now + pidRetryWait
	}
}

// beginBump starts a drain-and-bump unless one is under way or the state
// does not allow it. It reports whether this call started it.
func (ps *pidState) beginBump(why string) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.state != StateAssigned {
		return false
	}
	ps.state = StateDrainBump
	ps.bumpWhy = why
	return true
}

// finishBump bumps the epoch once nothing is in flight. It reports whether
// the producer is usable again at once (false: a new id must be requested
// first, because the epoch is at its maximum).
func (ps *pidState) finishBump() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.state != StateDrainBump {
		return false
	}
	if ps.hasNext {
		ps.pid, ps.epoch, ps.hasNext = ps.nextPID, ps.nextEpoch, false
		ps.gen++
		ps.state = StateAssigned
		return true
	}
	if ps.epoch >= maxEpoch {
		ps.state = StateInit
		ps.retryAt = 0
		return false
	}
	ps.epoch++
	ps.gen++
	ps.state = StateAssigned
	return true
}

// setFatal moves to StateFatal with err, once; it reports whether this call
// did it (later fatal errors are ignored, as librdkafka keeps the first).
func (ps *pidState) setFatal(err error) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.state == StateFatal {
		return false
	}
	ps.state = StateFatal
	ps.fatalErr = err
	return true
}
