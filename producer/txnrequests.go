package producer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/errcode"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/route"
	"github.com/kprod-go/kprod/internal/sender"
	"github.com/kprod-go/kprod/internal/txn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The versions of the transactional requests kprod sends; the router
// lowers each to what the broker supports.
const (
	initPIDVersion       = 4 // v3+: an epoch bump for a known producer id (KIP-360)
	addPartitionsVersion = 3 // v4+ is the brokers' batched form (KIP-890)
	addOffsetsVersion    = 3
	txnOffsetVersion     = 3 // v3+: the group's generation and member (KIP-447)
	endTxnVersion        = 3
	// Transactions v2 (KIP-890): each needs the version, and the cluster
	// the finalized feature transaction.version >= 2.
	endTxnVersionTV2    = 5
	produceVersionTV2   = 12
	txnOffsetVersionTV2 = 5
	tv2Feature          = "transaction.version"
)

// txnResult is what a transactional request ended with, once the retries
// its errors call for are done.
type txnResult struct {
	action txn.Action // Done, Abortable, AbortableBump or Fatal
	code   errcode.Code
	detail string
}

// err turns the result into the error the API returns, moving the state
// machine as the action says. A Done result is nil.
func (m *txnManager) err(r txnResult) error {
	switch r.action {
	case txn.Done:
		return nil
	case txn.Abortable, txn.AbortableBump:
		return m.abortable(r.code, r.detail, r.action == txn.AbortableBump)
	}
	return m.fatal(r.code, r.detail)
}

// send sends the request build makes to the coordinator of key (of type
// typ) until its answer, read by check, is final: it retries what req's
// classification says to retry, finding the coordinator again when it
// moved, with the retry backoff between attempts, until ctx ends (then
// the result is the context's error) or still says the request is no
// longer wanted. Each attempt waits at most socket.timeout.ms.
func (m *txnManager) send(ctx context.Context, req txn.Request, key string, typ int8,
	build func() kmsg.Request, check func(kmsg.Response) (errcode.Code, string), still func() bool,
) (kmsg.Response, txnResult, error) {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, m.reqTimeout)
		resp, err := m.p.route.Coordinator(actx, key, typ, build())
		cancel()
		if ctx.Err() != nil {
			return nil, txnResult{}, ctx.Err()
		}
		var code errcode.Code
		var detail string
		if err != nil {
			code, detail = requestErrCode(err), err.Error()
		} else {
			code, detail = check(resp)
		}
		action, rcode := txn.Classify(req, code)
		if action == txn.Done || action >= txn.Abortable {
			if action != txn.Done {
				detail = fmt.Sprintf("%s failed: %s", req, detail)
			}
			return resp, txnResult{action: action, code: rcode, detail: detail}, nil
		}
		m.mu.Lock()
		m.lastErr = fmt.Sprintf("%s: %s", req, detail)
		m.mu.Unlock()
		m.p.log.Debugf(logx.EOS, "TXNRETRY", "%s failed (%s), retrying: %s", req, action, detail)
		if still != nil && !still() {
			return nil, txnResult{}, context.Canceled
		}
		wait := retryWait(m.backoff, m.backoffMax, attempt)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, txnResult{}, ctx.Err()
		}
	}
}

// requestErrCode is the code of a request that got no answer: the
// coordinator lookup's own error code, a missing feature, a timeout or a
// failed connection.
func requestErrCode(err error) errcode.Code {
	var ke *kerr.Error
	switch {
	case errors.As(err, &ke):
		return errcode.Code(ke.Code)
	case errors.Is(err, route.ErrUnsupported):
		return errcode.UnsupportedFeature
	case errors.Is(err, broker.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return errcode.TimedOut
	}
	return errcode.Transport
}

// retryWait is the wait before attempt+1: retry.backoff.ms doubled per
// attempt up to retry.backoff.max.ms, with a fifth of jitter either way.
func retryWait(base, maxB time.Duration, attempt int) time.Duration {
	d := base << min(attempt, 20)
	if d <= 0 || d > maxB {
		d = maxB
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// describeCode names a code and adds the broker's message, if any.
func describeCode(code int16, msg *string) string {
	s := errorCode(errcode.Code(code)).Name()
	if msg != nil && *msg != "" {
		s += ": " + *msg
	}
	return s
}

// initPID asks the coordinator for the transactional id's producer id and
// epoch, with the current ones (pid, epoch) when bumping (KIP-360;
// -1 and -1 otherwise), installs them in the sender, and returns them.
func (m *txnManager) initPID(pid int64, epoch int16) (int64, int16, error) {
	id := m.id
	build := func() kmsg.Request {
		req := kmsg.NewPtrInitProducerIDRequest()
		req.Version = initPIDVersion
		req.TransactionalID = &id
		req.TransactionTimeoutMillis = int32(m.timeout.Milliseconds())
		req.ProducerID, req.ProducerEpoch = pid, epoch
		return req
	}
	check := func(kr kmsg.Response) (errcode.Code, string) {
		resp := kr.(*kmsg.InitProducerIDResponse)
		return errcode.Code(resp.ErrorCode), describeCode(resp.ErrorCode, nil)
	}
	kr, res, err := m.send(m.ctx, txn.InitProducerID, m.id, route.TransactionCoordinator, build, check, nil)
	if err != nil {
		return 0, 0, m.closedErr()
	}
	if res.action != txn.Done {
		if res.action != txn.Fatal { // nothing but a fatal error is final for InitProducerId
			res.action = txn.Fatal
		}
		return 0, 0, m.err(res)
	}
	resp := kr.(*kmsg.InitProducerIDResponse)
	m.p.snd.SetProducerID(resp.ProducerID, resp.ProducerEpoch)
	m.mu.Lock()
	m.pid, m.epoch = resp.ProducerID, resp.ProducerEpoch
	m.mu.Unlock()
	m.p.log.Debugf(logx.EOS, "PIDSTATE", "Transactional id %q: ProducerId %d, epoch %d", m.id, resp.ProducerID, resp.ProducerEpoch)
	return resp.ProducerID, resp.ProducerEpoch, nil
}

// ids returns the producer id and epoch to send with.
func (m *txnManager) ids() (int64, int16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pid, m.epoch
}

// endTxn ends the transaction on the coordinator: commit or abort. When
// the coordinator may not know the transaction (unsure: only requests
// without an answer added to it), INVALID_TXN_STATE means there was
// nothing to end.
func (m *txnManager) endTxn(commit, unsure bool) error {
	pid, epoch := m.ids()
	tv2 := m.tv2.Load()
	build := func() kmsg.Request {
		req := kmsg.NewPtrEndTxnRequest()
		req.Version = endTxnVersion
		if tv2 {
			req.Version = endTxnVersionTV2
		}
		req.TransactionalID = m.id
		req.ProducerID, req.ProducerEpoch = pid, epoch
		req.Commit = commit
		return req
	}
	check := func(kr kmsg.Response) (errcode.Code, string) {
		resp := kr.(*kmsg.EndTxnResponse)
		if unsure && errcode.Code(resp.ErrorCode) == errcode.InvalidTxnState {
			return errcode.NoError, ""
		}
		return errcode.Code(resp.ErrorCode), describeCode(resp.ErrorCode, nil)
	}
	kr, res, err := m.send(m.ctx, txn.EndTxn, m.id, route.TransactionCoordinator, build, check, nil)
	if err != nil {
		return m.closedErr()
	}
	if res.action == txn.Done {
		if resp := kr.(*kmsg.EndTxnResponse); resp.Version >= endTxnVersionTV2 {
			// KIP-890: the coordinator bumped the epoch (or gave a new
			// producer id when the epoch was exhausted); sequences restart.
			m.p.snd.SetProducerID(resp.ProducerID, resp.ProducerEpoch)
			m.mu.Lock()
			m.pid, m.epoch, m.needBump = resp.ProducerID, resp.ProducerEpoch, false
			m.mu.Unlock()
			m.p.log.Debugf(logx.EOS, "PIDSTATE", "Transactional id %q: EndTxn gave ProducerId %d, epoch %d", m.id, resp.ProducerID, resp.ProducerEpoch)
		}
		return nil
	}
	if !commit && res.action < txn.Fatal {
		// An abort that failed this way leaves the epoch to bump; the
		// state is already on its way out of the transaction.
		m.mu.Lock()
		m.needBump = true
		m.mu.Unlock()
		e := newError(errorCode(res.code), "%s", res.detail)
		e.txnAbort = true
		return e
	}
	return m.err(res)
}

// adder adds the partitions the sinks asked for (Sendable) to the open
// transaction with AddPartitionsToTxn, until close.
func (m *txnManager) adder() {
	defer m.wg.Done()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-m.addWake:
		}
		m.addPending()
	}
}

// addPending adds what is pending, once, and asks for another round if
// more came meanwhile.
func (m *txnManager) addPending() {
	m.addMu.Lock()
	defer m.addMu.Unlock()
	m.mu.Lock()
	ser := m.serial
	if len(m.pending) == 0 || !m.state.MaySend() {
		m.mu.Unlock()
		return
	}
	parts := make([]*sender.Partition, 0, len(m.pending))
	for p := range m.pending {
		parts = append(parts, p)
	}
	m.maybeTxn = true // from now on the coordinator may know the transaction
	ctx, cancel := context.WithCancel(m.ctx)
	m.addCancel = cancel
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.addCancel = nil
		m.mu.Unlock()
		cancel()
	}()
	pid, epoch := m.ids()
	build := func() kmsg.Request {
		req := kmsg.NewPtrAddPartitionsToTxnRequest()
		req.Version = addPartitionsVersion
		req.TransactionalID, req.ProducerID, req.ProducerEpoch = m.id, pid, epoch
		for _, p := range parts {
			i := topicIndex(len(req.Topics), func(i int) string { return req.Topics[i].Topic }, p.Topic)
			if i < 0 {
				t := kmsg.NewAddPartitionsToTxnRequestTopic()
				t.Topic = p.Topic
				req.Topics = append(req.Topics, t)
				i = len(req.Topics) - 1
			}
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, p.ID)
		}
		return req
	}
	check := func(kr kmsg.Response) (errcode.Code, string) {
		resp := kr.(*kmsg.AddPartitionsToTxnResponse)
		var codes []partitionCode
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				codes = append(codes, partitionCode{t.Topic, p.Partition, p.ErrorCode})
			}
		}
		return worstCode(txn.AddPartitionsToTxn, codes)
	}
	still := func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.serial == ser && m.state.MaySend()
	}
	_, res, err := m.send(ctx, txn.AddPartitionsToTxn, m.id, route.TransactionCoordinator, build, check, still)
	if err != nil {
		return // closed, or the transaction is no longer open
	}
	if res.action != txn.Done {
		m.mu.Lock()
		clear(m.pending)
		m.mu.Unlock()
		_ = m.err(res)
		return
	}
	m.mu.Lock()
	more := false
	if m.serial == ser {
		for _, p := range parts {
			delete(m.pending, p)
			p.TxnSerial.Store(ser)
		}
		m.inTxn = true
		more = len(m.pending) > 0
	}
	m.mu.Unlock()
	for _, p := range parts {
		p.Wake()
	}
	if more {
		select {
		case m.addWake <- struct{}{}:
		default:
		}
	}
}

// partitionCode is one partition's answer in a transactional response.
type partitionCode struct {
	topic     string
	partition int32
	code      int16
}

// worstCode returns the code of the partition whose error asks for the
// most under req's classification (fatal over abortable over a retry),
// and where it was; NoError when every partition succeeded.
func worstCode(req txn.Request, codes []partitionCode) (errcode.Code, string) {
	worst, worstAction, where := errcode.NoError, txn.Done, ""
	for _, pc := range codes {
		code := errcode.Code(pc.code)
		if a, _ := txn.Classify(req, code); a > worstAction || (code != 0 && worst == 0) {
			worst, worstAction, where = code, a, fmt.Sprintf("%s [%d]", pc.topic, pc.partition)
		}
	}
	if worst == errcode.NoError {
		return worst, ""
	}
	return worst, fmt.Sprintf("%s: %s", where, errorCode(worst).Name())
}

// topicIndex returns the index of topic among n topics named by name(i),
// or -1.
func topicIndex(n int, name func(int) string, topic string) int {
	for i := n - 1; i >= 0; i-- {
		if name(i) == topic {
			return i
		}
	}
	return -1
}

// sendOffsets is SendOffsetsToTransaction: see there.
func (m *txnManager) sendOffsets(ctx context.Context, offsets []TopicPartition, g *ConsumerGroupMetadata) error {
	var valid []TopicPartition
	for _, o := range offsets {
		if o.Offset >= 0 {
			valid = append(valid, o)
		}
	}
	m.mu.Lock()
	switch {
	case m.closed:
		m.mu.Unlock()
		return closedCallErr("SendOffsetsToTransaction")
	case m.fatalErr != nil || m.state != txn.InTransaction:
		defer m.mu.Unlock()
		return m.stateErr("SendOffsetsToTransaction")
	case m.busy || m.op != nil:
		m.mu.Unlock()
		return conflictErr("SendOffsetsToTransaction", "transactional")
	}
	if len(valid) == 0 {
		m.mu.Unlock()
		return nil
	}
	m.busy = true
	m.lastErr = ""
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.busy = false
		m.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, m.timeout) // capped, as librdkafka caps it
	defer cancel()
	stop := context.AfterFunc(m.ctx, cancel) // Close ends the call too
	defer stop()
	tv2 := m.tv2.Load()
	if !tv2 { // under transactions v2 the group joins the transaction with TxnOffsetCommit
		if err := m.addOffsets(ctx, g); err != nil {
			return err
		}
	}
	if tv2 { // TxnOffsetCommit v5 starts the transaction on the coordinator, answered or not
		m.mu.Lock()
		m.inTxn = true
		m.mu.Unlock()
	}
	return m.commitOffsets(ctx, valid, g, tv2)
}

// timeoutErr is the retriable error of a call whose context ended first.
func (m *txnManager) timeoutErr(call string, err error) error {
	if m.ctx.Err() != nil {
		return m.closedErr()
	}
	m.mu.Lock()
	last := m.lastErr
	m.mu.Unlock()
	msg := call + ": " + err.Error()
	if last != "" {
		msg += " (last error: " + last + ")"
	}
	e := wrapError(ErrTimedOut, err, "%s", msg)
	e.retriable = true
	return e
}

// addOffsets adds the group's offsets topic to the transaction
// (AddOffsetsToTxn).
func (m *txnManager) addOffsets(ctx context.Context, g *ConsumerGroupMetadata) error {
	pid, epoch := m.ids()
	build := func() kmsg.Request {
		req := kmsg.NewPtrAddOffsetsToTxnRequest()
		req.Version = addOffsetsVersion
		req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Group = m.id, pid, epoch, g.groupID
		return req
	}
	check := func(kr kmsg.Response) (errcode.Code, string) {
		resp := kr.(*kmsg.AddOffsetsToTxnResponse)
		return errcode.Code(resp.ErrorCode), describeCode(resp.ErrorCode, nil)
	}
	m.mu.Lock()
	m.maybeTxn = true
	m.mu.Unlock()
	_, res, err := m.send(ctx, txn.AddOffsetsToTxn, m.id, route.TransactionCoordinator, build, check, nil)
	if err != nil {
		return m.timeoutErr("SendOffsetsToTransaction", err)
	}
	if res.action == txn.Done {
		m.mu.Lock()
		m.inTxn = true
		m.mu.Unlock()
	}
	return m.err(res)
}

// commitOffsets sends the offsets to the group's coordinator, to be
// committed with the transaction (TxnOffsetCommit).
func (m *txnManager) commitOffsets(ctx context.Context, offsets []TopicPartition, g *ConsumerGroupMetadata, tv2 bool) error {
	pid, epoch := m.ids()
	build := func() kmsg.Request {
		req := kmsg.NewPtrTxnOffsetCommitRequest()
		req.Version = txnOffsetVersion
		if tv2 {
			req.Version = txnOffsetVersionTV2
		}
		req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch = m.id, g.groupID, pid, epoch
		req.Generation, req.MemberID, req.InstanceID = g.generationID, g.memberID, g.groupInstanceID
		for _, o := range offsets {
			i := topicIndex(len(req.Topics), func(i int) string { return req.Topics[i].Topic }, o.Topic)
			if i < 0 {
				t := kmsg.NewTxnOffsetCommitRequestTopic()
				t.Topic = o.Topic
				req.Topics = append(req.Topics, t)
				i = len(req.Topics) - 1
			}
			tp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
			tp.Partition, tp.Offset, tp.Metadata = o.Partition, o.Offset, o.Metadata
			tp.LeaderEpoch = -1
			if o.LeaderEpoch != nil {
				tp.LeaderEpoch = *o.LeaderEpoch
			}
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, tp)
		}
		return req
	}
	check := func(kr kmsg.Response) (errcode.Code, string) {
		resp := kr.(*kmsg.TxnOffsetCommitResponse)
		var codes []partitionCode
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				codes = append(codes, partitionCode{t.Topic, p.Partition, p.ErrorCode})
			}
		}
		return worstCode(txn.TxnOffsetCommit, codes)
	}
	_, res, err := m.send(ctx, txn.TxnOffsetCommit, g.groupID, route.GroupCoordinator, build, check, nil)
	if err != nil {
		return m.timeoutErr("SendOffsetsToTransaction", err)
	}
	return m.err(res)
}

// detectTV2 asks the transaction coordinator whether the cluster runs
// KIP-890's transactions v2: the finalized feature transaction.version at
// 2 or more (ApiVersions v3), and the request versions it needs. The
// answer holds for the producer's life, as franz-go latches it; a cluster
// upgraded meanwhile is seen by the next producer. When the question
// cannot be answered, kprod keeps the v1 protocol, which every broker
// with transactions accepts.
func (m *txnManager) detectTV2() {
	ctx, cancel := context.WithTimeout(m.ctx, m.reqTimeout)
	defer cancel()
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 3
	req.ClientSoftwareName, req.ClientSoftwareVersion = "kprod", Version
	kr, err := m.p.route.Coordinator(ctx, m.id, route.TransactionCoordinator, req)
	if err != nil {
		m.p.log.Debugf(logx.EOS, "TXNVER", "Transactions v2 not detected (%v): using the v1 protocol", err)
		return
	}
	resp := kr.(*kmsg.ApiVersionsResponse)
	level := int16(0)
	for _, f := range resp.FinalizedFeatures {
		if f.Name == tv2Feature {
			level = f.MaxVersionLevel
		}
	}
	max := map[int16]int16{}
	for _, k := range resp.ApiKeys {
		max[k.ApiKey] = k.MaxVersion
	}
	on := resp.ErrorCode == 0 && level >= 2 &&
		max[kmsg.Produce.Int16()] >= produceVersionTV2 && max[kmsg.EndTxn.Int16()] >= endTxnVersionTV2 &&
		max[kmsg.TxnOffsetCommit.Int16()] >= txnOffsetVersionTV2
	if on {
		m.tv2.Store(true)
		m.p.snd.SetMaxProduceVersion(produceVersionTV2)
	}
	m.p.log.Debugf(logx.EOS, "TXNVER", "Transactional id %q: %s=%d: using transactions %s", m.id, tv2Feature, level, map[bool]string{true: "v2 (KIP-890)", false: "v1"}[on])
}
