package producer

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/sender"
	"github.com/kprod-go/kprod/internal/txn"
)

// txnOpKind names the long operations a transactional call starts.
type txnOpKind int8

const (
	opInit txnOpKind = iota + 1
	opCommit
	opAbort
)

var opNames = [...]string{opInit: "InitTransactions", opCommit: "CommitTransaction", opAbort: "AbortTransaction"}

// txnOp is an operation under way on the manager's goroutine. The call
// that started it waits for it until its context ends; a later call of the
// same operation waits for the same op, which is how a call that timed out
// resumes.
type txnOp struct {
	kind txnOpKind
	done chan struct{} // closed when the operation has ended
	err  error         // its result, set before done is closed
}

// txnManager runs the producer's transactions (transactional.id): the
// state machine of internal/txn, the calls of the transactional API, the
// transactional requests, and the sender's gate (sender.TxnGate). Its
// goroutines are the adder (AddPartitionsToTxn) and one per operation; the
// producer's Close stops them (close).
type txnManager struct {
	p          *Producer
	id         string
	timeout    time.Duration // transaction.timeout.ms
	reqTimeout time.Duration // each request attempt: socket.timeout.ms
	backoff    time.Duration // retry.backoff.ms
	backoffMax time.Duration // retry.backoff.max.ms

	ctx    context.Context // ends with close: requests and operations under way give up
	cancel context.CancelFunc
	wg     sync.WaitGroup // the adder and the operations' goroutines

	// Read without the lock by Produce and the sinks; written under mu
	// with the state (setState).
	mayProduce atomic.Bool   // InTransaction
	sendSerial atomic.Uint64 // the open transaction's serial while batches may be sent; 0 otherwise
	aborting   atomic.Bool   // BeginAbort or AbortingTransaction
	// tv2 is set by InitTransactions when the cluster has KIP-890's
	// transactions v2 (transaction.version >= 2): partitions join a
	// transaction with their first Produce, offsets need no
	// AddOffsetsToTxn, and each EndTxn bumps the epoch.
	tv2 atomic.Bool
	// sentTV2 is set when a partition may send in the open transaction
	// under tv2: the coordinator then knows the transaction. Reset by
	// BeginTransaction.
	sentTV2 atomic.Bool

	addWake chan struct{} // capacity 1: partitions wait to be added
	// addMu is held by the adder while it adds partitions, and by an
	// operation sending EndTxn, so that no AddPartitionsToTxn of a
	// transaction reaches the coordinator after its end.
	addMu sync.Mutex

	// mu guards the following.
	mu       sync.Mutex
	state    txn.State
	stateAt  time.Time
	changed  chan struct{} // closed and replaced at each state change
	op       *txnOp        // the operation under way, or ended and not yet returned; nil when none
	busy     bool          // a SendOffsetsToTransaction is under way
	serial   uint64        // the current (or last) transaction's number, from 1
	pending  map[*sender.Partition]struct{}
	inTxn    bool   // the coordinator knows the transaction: a partition or offsets were added
	abortErr *Error // in AbortableError: why the transaction must be aborted
	needBump bool   // the epoch must be bumped after the abort (KIP-360)
	fatalErr *Error // in FatalError
	lastErr  string // the last retriable failure, for a call that times out
	drFails  int    // messages of the current transaction whose delivery failed
	pid      int64  // the producer id and epoch last installed
	epoch    int16
	// maybeTxn: an AddPartitionsToTxn or AddOffsetsToTxn was sent without
	// a definite answer, so the coordinator may have started the
	// transaction; its end is sent, and INVALID_TXN_STATE (nothing to end)
	// is then no error.
	maybeTxn  bool
	addCancel context.CancelFunc // ends the adder's request when the transaction stops sending
	closed    bool               // close has begun: every call fails with ErrDestroy
}

// newTxnManager returns the manager of a producer with transactional.id;
// start starts its adder.
func newTxnManager(p *Producer) *txnManager {
	m := &txnManager{p: p, id: p.cfg.transactionalID, timeout: p.cfg.transactionTimeout,
		reqTimeout: p.cfg.snd.Broker.RequestTimeout, backoff: p.cfg.snd.RetryBackoff, backoffMax: p.cfg.snd.RetryBackoffMax,
		addWake: make(chan struct{}, 1), changed: make(chan struct{}), stateAt: time.Now(),
		pending: make(map[*sender.Partition]struct{}), pid: -1, epoch: -1}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m
}

// start starts the adder goroutine; close stops it.
func (m *txnManager) start() {
	m.wg.Add(1)
	go m.adder()
}

// close ends the requests and operations under way and waits for the
// manager's goroutines. The producer calls it in Close, before the sender
// and the router close.
func (m *txnManager) close() {
	m.mu.Lock()
	m.closed = true // no operation starts after this: wg.Add never races Wait
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
}

// closedCallErr is the error of a call made once Close has begun.
func closedCallErr(call string) error {
	return newError(ErrDestroy, "%s: the producer is closed", call)
}

// setState moves to next if the state machine allows it, updating what
// Produce and the sinks read. Called with mu held. It reports whether the
// state changed.
func (m *txnManager) setState(next txn.State) bool {
	if m.state == next {
		return true
	}
	if !m.state.CanMoveTo(next) {
		m.p.log.Debugf(logx.EOS, "TXNSTATE", "Transactional state change %s -> %s refused", m.state, next)
		return false
	}
	m.p.log.Debugf(logx.EOS, "TXNSTATE", "Transactional state change %s -> %s", m.state, next)
	m.state, m.stateAt = next, time.Now()
	m.mayProduce.Store(next.MayProduce())
	if next.MaySend() {
		m.sendSerial.Store(m.serial)
	} else {
		m.sendSerial.Store(0)
	}
	m.aborting.Store(next == txn.BeginAbort || next == txn.AbortingTransaction)
	if !next.MaySend() && m.addCancel != nil {
		m.addCancel() // an AddPartitionsToTxn under way is no longer wanted
	}
	close(m.changed)
	m.changed = make(chan struct{})
	if next.MaySend() {
		m.p.snd.WakeAll()
	}
	return true
}

// State returns the state and how long ago it was entered, for the
// statistics.
func (m *txnManager) State() (txn.State, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state, time.Since(m.stateAt)
}

// stateErr is the error of a call the state does not allow (librdkafka's
// __STATE), or the fatal or abortable error that explains it. Called with
// mu held.
func (m *txnManager) stateErr(call string) error {
	if m.fatalErr != nil {
		return *m.fatalErr
	}
	if m.state == txn.AbortableError && m.abortErr != nil {
		e := *m.abortErr
		e.msg = call + ": " + e.msg
		return e
	}
	return newError(ErrState, "%s: Operation not valid in state %s", call, m.state)
}

// conflictErr is the error of a call made while another is under way.
func conflictErr(call, other string) error {
	e := newError(ErrConflict, "%s: conflicting %s call is already in progress", call, other)
	e.retriable = true
	return e
}

// produceErr is Produce's error outside a transaction.
func (m *txnManager) produceErr(topic string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fatalErr != nil {
		return wrapError(ErrFatal, *m.fatalErr, "Produce to topic %q: producer has raised a fatal error: %v", topic, m.fatalErr.msg)
	}
	e := newError(ErrState, "Produce to topic %q: no transaction is open (state %s): call BeginTransaction first", topic, m.state)
	if m.state == txn.AbortableError {
		e.msg = "Produce to topic " + `"` + topic + `"` + ": the transaction must be aborted"
		if m.abortErr != nil {
			e.msg += ": " + m.abortErr.msg
		}
		e.txnAbort = true
	}
	return e
}

// abortable moves the open transaction to AbortableError with code and
// detail (once: the first reason is kept), recording whether the epoch
// must be bumped after the abort. It returns the abortable error.
func (m *txnManager) abortable(code errcode.Code, detail string, bump bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bump {
		m.needBump = true
	}
	if m.fatalErr != nil {
		return *m.fatalErr
	}
	switch m.state {
	case txn.InTransaction, txn.BeginCommit, txn.CommittingTransaction:
		e := newError(errorCode(code), "%s", detail)
		e.txnAbort = true
		m.abortErr = &e
		m.p.log.Logf(logx.Err, "TXNERR", "Current transaction failed in state %s: %s (%s)", m.state, detail, errorCode(code).Name())
		m.setState(txn.AbortableError)
	}
	if m.abortErr != nil {
		return *m.abortErr
	}
	e := newError(errorCode(code), "%s", detail)
	e.txnAbort = true
	return e
}

// fatal raises a fatal error through the sender (which stops sending and
// tells the producer, which tells the manager: onFatal) and returns the
// producer's fatal error, the first one raised.
func (m *txnManager) fatal(code errcode.Code, detail string) error {
	m.p.snd.RaiseFatal(code, detail)
	if f := m.p.fatalErr.Load(); f != nil {
		return *f
	}
	e := newError(errorCode(code), "%s", detail)
	e.fatal = true
	return e
}

// onFatal moves to FatalError; the producer calls it from Fatal, once.
func (m *txnManager) onFatal(cause Error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fatalErr = &cause
	m.setState(txn.FatalError)
}

// Sendable is sender.TxnGate's: see there.
func (m *txnManager) Sendable(p *sender.Partition) bool {
	ser := m.sendSerial.Load()
	if ser == 0 {
		return false
	}
	if p.TxnSerial.Load() == ser {
		return true
	}
	if m.tv2.Load() {
		if !m.sentTV2.Load() {
			m.sentTV2.Store(true)
		}
		return true
	}
	m.mu.Lock()
	if m.serial == ser && m.state.MaySend() {
		if _, ok := m.pending[p]; !ok {
			m.pending[p] = struct{}{}
			select {
			case m.addWake <- struct{}{}:
			default:
			}
		}
	}
	m.mu.Unlock()
	return false
}

// Aborting is sender.TxnGate's: see there.
func (m *txnManager) Aborting() bool { return m.aborting.Load() }

// Abortable is sender.TxnGate's: see there.
func (m *txnManager) Abortable(code errcode.Code, detail string, bump bool) {
	_ = m.abortable(code, detail, bump)
}

// messageFailed is told of every failed delivery report (n messages):
// a transaction with a failed message cannot commit (librdkafka's
// txn_dr_fails). A failed Produce request has already made the
// transaction abortable through the sender (Abortable); a message that
// never left fails the commit.
func (m *txnManager) messageFailed(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == txn.InTransaction || m.state == txn.BeginCommit {
		m.drFails += n
	}
}

// waitOp waits for op until ctx ends. An operation that ended well moves
// its NotAcked state to Ready: the call acknowledges it.
func (m *txnManager) waitOp(ctx context.Context, op *txnOp) error {
	select {
	case <-op.done:
	case <-ctx.Done():
		m.mu.Lock()
		last := m.lastErr
		m.mu.Unlock()
		msg := opNames[op.kind] + ": " + ctx.Err().Error() + " before the operation completed; call it again to resume"
		if last != "" {
			msg += " (last error: " + last + ")"
		}
		e := wrapError(ErrTimedOut, ctx.Err(), "%s", msg)
		e.retriable = true
		return e
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.op == op {
		m.op = nil
	}
	if op.err != nil {
		return op.err
	}
	if m.fatalErr != nil {
		return *m.fatalErr
	}
	switch m.state {
	case txn.ReadyNotAcked, txn.CommitNotAcked, txn.AbortedNotAcked:
		m.setState(txn.Ready)
	}
	return nil
}

// startOp starts fn as the operation kind on its own goroutine. Called
// with mu held.
func (m *txnManager) startOp(kind txnOpKind, fn func() error) *txnOp {
	op := &txnOp{kind: kind, done: make(chan struct{})}
	m.op = op
	m.lastErr = ""
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		err := fn()
		m.mu.Lock()
		op.err = err
		m.mu.Unlock()
		close(op.done)
	}()
	return op
}

// pendingOp returns the operation of kind to wait for (under way, or
// ended with a result not yet returned), or nil when one must be started.
// Another operation under way, or a SendOffsetsToTransaction, is a
// conflict. Called with mu held.
func (m *txnManager) pendingOp(kind txnOpKind) (*txnOp, error) {
	if m.busy {
		return nil, conflictErr(opNames[kind], "SendOffsetsToTransaction")
	}
	if m.op == nil {
		return nil, nil
	}
	select {
	case <-m.op.done:
		if m.op.kind != kind {
			if m.op.err == nil { // it succeeded after its call gave up: that call must acknowledge it
				return nil, conflictErr(opNames[kind], opNames[m.op.kind])
			}
			m.op = nil // it failed: the state says how
			return nil, nil
		}
	default:
		if m.op.kind != kind {
			return nil, conflictErr(opNames[kind], opNames[m.op.kind])
		}
	}
	return m.op, nil
}

// withDefaultTimeout bounds ctx by d when it has no deadline.
func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// initTransactions is InitTransactions: see there.
func (m *txnManager) initTransactions(ctx context.Context) error {
	ctx, cancel := withDefaultTimeout(ctx, 2*m.timeout)
	defer cancel()
	return m.run(ctx, opInit, txn.ReadyNotAcked, []txn.State{txn.Init}, txn.WaitPID, m.runInit)
}

// run is the common path of the calls that start an operation: a call
// after Close or a fatal error fails; the operation of kind under way, or
// ended with a result not yet returned, is waited for (a call that timed
// out resumes); a result held in notAcked is acknowledged at once;
// otherwise, from one of the states from, the state moves to begin and fn
// starts.
func (m *txnManager) run(ctx context.Context, kind txnOpKind, notAcked txn.State, from []txn.State, begin txn.State, fn func() error) error {
	call := opNames[kind]
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return closedCallErr(call)
	}
	if m.fatalErr != nil {
		defer m.mu.Unlock()
		return *m.fatalErr
	}
	op, err := m.pendingOp(kind)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	if op == nil {
		switch {
		case m.state == notAcked:
			m.setState(txn.Ready)
			m.mu.Unlock()
			return nil
		case !slices.Contains(from, m.state):
			defer m.mu.Unlock()
			return m.stateErr(call)
		}
		m.setState(begin)
		op = m.startOp(kind, fn)
	}
	m.mu.Unlock()
	return m.waitOp(ctx, op)
}

// runInit acquires the producer id for the transactional id.
func (m *txnManager) runInit() error {
	if _, _, err := m.initPID(-1, -1); err != nil {
		return err
	}
	m.detectTV2()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.setState(txn.ReadyNotAcked) {
		return m.stateErr("InitTransactions")
	}
	return nil
}

// begin is BeginTransaction: see there.
func (m *txnManager) begin() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return closedCallErr("BeginTransaction")
	}
	if m.fatalErr != nil {
		return *m.fatalErr
	}
	if m.op != nil {
		select {
		case <-m.op.done:
			if m.op.err == nil { // it succeeded after its call gave up: that call must acknowledge it
				return conflictErr("BeginTransaction", opNames[m.op.kind])
			}
			m.op = nil
		default:
			return conflictErr("BeginTransaction", opNames[m.op.kind])
		}
	}
	if m.state != txn.Ready {
		return m.stateErr("BeginTransaction")
	}
	m.serial++
	clear(m.pending)
	m.inTxn, m.maybeTxn, m.abortErr, m.drFails = false, false, nil, 0
	m.sentTV2.Store(false)
	m.setState(txn.InTransaction)
	return nil
}

// commit is CommitTransaction: see there.
func (m *txnManager) commit(ctx context.Context) error {
	return m.run(ctx, opCommit, txn.CommitNotAcked, []txn.State{txn.InTransaction}, txn.BeginCommit, m.runCommit)
}

// runCommit flushes the transaction's messages, then ends it with EndTxn.
func (m *txnManager) runCommit() error {
	if err := m.flush(txn.BeginCommit); err != nil {
		return err
	}
	m.addMu.Lock()
	defer m.addMu.Unlock()
	m.mu.Lock()
	if n := m.drFails; n > 0 && m.state == txn.BeginCommit {
		m.mu.Unlock()
		return m.abortable(errcode.Inconsistent, fmt.Sprintf("%d message(s) failed delivery (see individual delivery reports)", n), false)
	}
	if m.state != txn.BeginCommit {
		defer m.mu.Unlock()
		return m.stateErr("CommitTransaction")
	}
	inTxn, maybe := m.inTxn || m.sentTV2.Load(), m.maybeTxn
	if !m.setState(txn.CommittingTransaction) {
		defer m.mu.Unlock()
		return m.stateErr("CommitTransaction")
	}
	m.mu.Unlock()
	if inTxn || maybe { // otherwise nothing was added: the coordinator has no transaction to end
		if err := m.endTxn(true, !inTxn); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.setState(txn.CommitNotAcked) {
		return m.stateErr("CommitTransaction")
	}
	return nil
}

// flush waits until every message produced has its delivery report, while
// the state stays in. It returns the abortable or fatal error that moved
// the state elsewhere.
func (m *txnManager) flush(in txn.State) error {
	p := m.p
	p.snd.SetFlushing(1)
	defer p.snd.SetFlushing(-1)
	p.meta.trigger()
	for {
		p.flushMu.Lock()
		flushed := p.flushed
		p.flushMu.Unlock()
		m.mu.Lock()
		state, changed := m.state, m.changed
		var err error
		if state != in {
			err = m.stateErr(opNames[opCommit])
		}
		m.mu.Unlock()
		if err != nil {
			return err
		}
		if p.acct.unreported() == 0 {
			return nil
		}
		select {
		case <-flushed:
		case <-changed:
		case <-m.ctx.Done():
			return m.closedErr()
		}
	}
}

// closedErr is the result of an operation the producer's Close ended.
func (m *txnManager) closedErr() error {
	return newError(ErrDestroy, "the producer was closed before the transactional operation completed")
}

// abort is AbortTransaction: see there.
func (m *txnManager) abort(ctx context.Context) error {
	return m.run(ctx, opAbort, txn.AbortedNotAcked, []txn.State{txn.InTransaction, txn.AbortableError}, txn.BeginAbort, m.runAbort)
}

// abortPurgeEvery is how often an abort purges the queues again while it
// waits for the requests in flight: a Produce that passed its state check
// just before the abort began may enqueue after the first purge.
const abortPurgeEvery = 50 * time.Millisecond

// runAbort purges what is queued, waits for what is in flight, then ends
// the transaction with EndTxn(abort), and bumps the epoch if the
// transaction's failure requires it.
func (m *txnManager) runAbort() error {
	p := m.p
	tick := time.NewTicker(abortPurgeEvery)
	defer tick.Stop()
	for {
		p.purgeQueued("purged: the transaction was aborted")
		p.flushMu.Lock()
		flushed := p.flushed
		p.flushMu.Unlock()
		if p.acct.unreported() == 0 {
			break
		}
		select {
		case <-flushed:
		case <-tick.C:
		case <-m.ctx.Done():
			return m.closedErr()
		}
	}
	m.addMu.Lock()
	defer m.addMu.Unlock()
	m.mu.Lock()
	inTxn, maybe := m.inTxn || m.sentTV2.Load(), m.maybeTxn
	if !m.setState(txn.AbortingTransaction) {
		defer m.mu.Unlock()
		return m.stateErr("AbortTransaction")
	}
	m.mu.Unlock()
	if inTxn || maybe {
		if err := m.endTxn(false, !inTxn); err != nil {
			if e, ok := err.(Error); !ok || e.fatal || !e.txnAbort {
				return err
			}
			// The coordinator lost the producer's state (UNKNOWN_PRODUCER_ID):
			// the epoch bump below gives it a new one.
		}
	}
	m.mu.Lock()
	bump := m.needBump
	if bump {
		m.setState(txn.WaitPID)
	}
	pid, epoch := m.pid, m.epoch
	m.mu.Unlock()
	if bump {
		if _, _, err := m.initPID(pid, epoch); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.needBump = false
	if !m.setState(txn.AbortedNotAcked) {
		return m.stateErr("AbortTransaction")
	}
	return nil
}

// closeAbort aborts the transaction left open when the producer closes,
// within d, as librdkafka does on rd_kafka_destroy. What it cannot abort
// in time the coordinator aborts when transaction.timeout.ms passes.
func (m *txnManager) closeAbort(d time.Duration) {
	m.mu.Lock()
	open := m.state == txn.InTransaction || m.state == txn.AbortableError || m.state == txn.BeginAbort || m.state == txn.AbortingTransaction
	m.mu.Unlock()
	if !open {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := m.abort(ctx); err != nil {
		m.p.log.Logf(logx.Warning, "TXNCLOSE", "Closing with a transaction open: the abort did not complete: %v", err)
	}
}
