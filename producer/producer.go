package producer

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/kprod-go/kprod/internal/route"
	"github.com/kprod-go/kprod/internal/sender"
	"github.com/kprod-go/kprod/internal/wire"
	"github.com/kprod-go/kprod/producer/sasl"
)

// Version is kprod's version, sent to brokers in ApiVersions.
const Version = "0.1.0"

// Producer publishes messages to Kafka. Create one with New; it is safe for
// concurrent use by any number of goroutines.
//
// Produce queues a message and returns at once. Its delivery report comes
// back later, exactly once: on the deliveryChan given to Produce, or else
// from Poll. Flush waits until every queued message has been reported;
// Close stops the producer without flushing.
type Producer struct {
	cfg   *config
	opts  options
	clock accumulator.Clock
	now   *coarseClock       // Produce's millisecond clock
	acc   accumulator.Config // bounds every partition queue; read-only, the sender's queues point to it
	snd   *sender.Sender     // owns the partition queues, their batches, timeouts and failures
	meta  *metaLoop
	route *route.Router // control requests: metadata, InitProducerId

	reports *reportQueue  // reports and events for Poll
	chans   *chanReporter // reports for deliveryChans
	events  eventStream   // the Events channel, once asked for
	dr      *deliveryFunc // WithDeliveryFunc; nil: none

	creds        atomic.Pointer[sasl.Credentials] // SetSaslCredentials; nil: sasl.username and sasl.password
	oauth        *oauthManager                    // with sasl.mechanisms=OAUTHBEARER only
	connFailures connFailures                     // failed connections become Error events
	hooks        hookSet                          // WithHooks, sorted by kind in New; read-only after
	stats        *statsEmitter                    // with statistics.interval.ms > 0 only
	txn          *txnManager                      // with transactional.id only
	log          *logx.Logger                     // log_level and debug; never nil after New
	logOut       *logOutput                       // the Logs channel or the slog.Logger

	// Read by every Produce, written rarely: kept off the counters' cache
	// line, which every Produce writes (false sharing cost 10% of Produce).
	closed   atomic.Bool
	fatalErr atomic.Pointer[Error] // the first fatal error, with its original code; nil while none
	_        [64]byte

	// What the producer holds and what has no report yet, for the
	// queue.buffering limits, Len and Flush; updated with atomics from any
	// goroutine.
	acct account

	topics    atomic.Pointer[map[string]*topic] // copy-on-write under topicsMu
	lastTopic atomic.Pointer[topic]             // the topic the last Produce looked up, to skip the map
	topicsMu  sync.Mutex                        // serializes writers of topics, and guards topicsClosed

	topicsClosed bool // set by Close: no new topic

	// flushMu guards flushed, which is closed and replaced each time
	// unreported drops to zero, waking every Flush.
	flushMu sync.Mutex
	flushed chan struct{}

	scratchPool sync.Pool // *[]*Message for batch completion

	stopHK chan struct{}  // closed by Close: stops housekeeping
	wg     sync.WaitGroup // housekeeping goroutine
}

// New creates a producer from librdkafka configuration properties and
// typed options. It fails with an Error of code ErrInvalidArg naming the
// property when a property is unknown, out of range, of the wrong type or
// conflicts with another.
//
// New does not wait for a broker: it connects in the background, and
// messages produced meanwhile wait for metadata up to message.timeout.ms.
func New(conf ConfigMap, opts ...Option) (*Producer, error) {
	cfg, err := parseConfig(conf)
	if err != nil {
		return nil, err
	}
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := cfg.sec.validate(&o, cfg.set); err != nil {
		return nil, err
	}
	log, logOut, err := newLogger(cfg, &o)
	if err != nil {
		return nil, err
	}
	var codec compress.Codec
	if cfg.compressionType != "none" {
		t, err := compress.ParseType(cfg.compressionType)
		if err != nil {
			return nil, wrapError(ErrInvalidArg, err, "%v", err)
		}
		if codec, err = compress.New(t, cfg.compressionLevel); err != nil {
			return nil, wrapError(ErrInvalidArg, err, "%v", err)
		}
	}
	p := &Producer{
		cfg:     cfg,
		opts:    o,
		clock:   accumulator.NewClock(),
		reports: nil, // below: it counts served reports out of acct
		flushed: make(chan struct{}),
		stopHK:  make(chan struct{}),
		hooks:   newHookSet(o.hooks),
		log:     log,
		logOut:  logOut,
	}
	handshake, authenticate, err := p.buildSecurity()
	if err != nil {
		return nil, err
	}
	p.acc = accumulator.Config{
		// A request carries a batch plus framing; keep every batch small
		// enough that it fits message.max.bytes on its own.
		MaxBytes:   max(min(cfg.batchSize, cfg.messageMaxBytes-requestFraming), wire.BatchHeaderLen+1),
		MaxRecords: cfg.batchNumMessages,
		Linger:     cfg.linger,
		MaxOpen:    cfg.linger + openMargin,
		// Batches hold values, keys and framing; a quarter on top of the
		// value limit covers those and the pool's size-class rounding.
		Pool: accumulator.NewPool(cfg.queueMaxKBytes*1024 + cfg.queueMaxKBytes*256),
		// Without a codec, batches go as appended: sum their records'
		// CRC while each is in cache.
		SumRecords: codec == nil,
	}
	p.acct.init(cfg.queueMaxMessages, cfg.queueMaxKBytes)
	p.reports = newReportQueue(p.acct.served)
	p.topics.Store(&map[string]*topic{})
	p.now = newCoarseClock(p.clock, p.acct.activity, p.acc.Pool)
	p.chans = newChanReporter(p.acct.served, p.acct.unserve, p.reports.pushMessages)
	if o.deliveryFunc != nil {
		p.dr = &deliveryFunc{fn: o.deliveryFunc}
	}
	scfg := cfg.snd // the properties the sender and connections apply, as parsed
	scfg.MaxRequestBytes = cfg.messageMaxBytes
	scfg.Codec = codec
	scfg.PipelinePartitions = o.pipelinePartitions
	scfg.Broker.SoftwareName, scfg.Broker.SoftwareVer = "kprod", Version
	scfg.Broker.Dial = o.dial
	// Everything that watches connections, requests and batches: the
	// internal test observer, then (issue 16) statistics, logs and the
	// application's hooks, each added here.
	var statsObs observe.Observer // nil when statistics are off: Tee drops it
	if cfg.statisticsInterval > 0 {
		p.stats = newStatsEmitter(cfg, p.logOut.name) // one name in the logs and the statistics
		statsObs = p.stats.col
	}
	scfg.Broker.Observer = observe.Tee(o.observer, statsObs, p.hooks.observer(), newLogObserver(p.log))
	scfg.Broker.Handshake, scfg.Broker.Authenticate = handshake, authenticate
	p.connFailures.push = p.reports.push
	p.connFailures.log = p.log
	scfg.Log = p.log
	scfg.Broker.Failed = p.connFailures.report
	p.route = route.New(broker.NewConnector(scfg.Broker), cfg.bootstrapServers)
	scfg.Router = p.route
	if cfg.transactionalID != "" {
		p.txn = newTxnManager(p)
		scfg.TransactionalID, scfg.Txn = cfg.transactionalID, p.txn
	}
	p.snd = sender.New(scfg, senderResults{p}, p.clock, &p.acc)
	p.meta = newMetaLoop(p, p.route)
	if p.oauth != nil {
		p.oauth.start() // a connection waits for the first token within its setup timeout
	}
	if p.txn != nil {
		p.txn.start()
	}
	p.wg.Add(1)
	go p.housekeeping()
	if p.stats != nil {
		p.wg.Add(1)
		go p.statsLoop()
	}
	p.log.Debugf(logx.Generic, "INIT", "kprod %s %s initialized (debug %s, log_level %d)", Version, logOut.name, logx.ParseContexts(cfg.debug), cfg.logLevel)
	cfg.logWarnings(p.log)
	return p, nil
}

// closeAbortWait bounds the abort of a transaction left open at Close.
// librdkafka's rd_kafka_destroy tries the abort without waiting for it;
// Close gives it this long so that a coordinator that answers at once ends
// the transaction now, not at transaction.timeout.ms, and Close stays
// about a second.
const closeAbortWait = 500 * time.Millisecond

// closeDrainWait bounds how long Close waits for the application to
// receive the reports and events left for its deliveryChans and the
// Events channel once every message has been reported.
const closeDrainWait = 500 * time.Millisecond

// openMargin is how long past linger.ms a batch waiting to be sent keeps
// taking records, so that a message times out at most linger.ms plus this
// before its own message.timeout.ms (librdkafka times out each message on
// its own, checking once a second; the housekeeping here checks every
// 100 ms).
const openMargin = 100 * time.Millisecond

// requestFraming is what a Produce request adds around one batch: request
// header, client id, topic name (up to 249 bytes) and array lengths.
const requestFraming = 512

// Len returns the number of messages not yet reported back: queued, in
// flight, or with a delivery report waiting to be received (from Poll or a
// deliveryChan). Reports bound for deliveryChans and the Events channel
// leave the count in groups of up to 64 just before they are sent; those
// waiting in the Events channel's buffer are len(p.Events()).
func (p *Producer) Len() int { return p.reports.held(p.acct.heldMsgs) }

// Poll returns the next event, waiting up to timeout for one; nil if none
// came: a delivery report (*Message), an Error, statistics (*Stats, with
// statistics.interval.ms; one at most waits to be polled) or an
// OAuthBearerTokenRefresh. A negative
// timeout waits indefinitely, until Close. Poll keeps working after Close,
// handing out the events that are still queued, then nil at once: a loop
// that polls until nil ends.
//
// Use Poll or Events, not both. With WithDeliveryFunc, Poll serves the
// delivery reports to the function instead of returning them.
func (p *Producer) Poll(timeout time.Duration) Event {
	if p.dr != nil {
		return p.pollServing(timeout)
	}
	e := p.reports.wait(timeout, true) // the queue counts served reports out
	p.handedOut(e)
	return e
}

// Flush sends every queued message without waiting for linger.ms and waits
// up to timeout until each has its delivery report. It returns the number
// of messages still without a report when it returns: 0 means every message
// produced before the call has been reported (to Poll or its deliveryChan).
//
// Unlike librdkafka's rd_kafka_flush, Flush does not serve the reports
// itself: they stay queued for Poll, and count in Len until then. With
// WithDeliveryFunc it does, as rd_kafka_flush does in callback mode: it
// calls the function with each report and returns when Len is 0.
func (p *Producer) Flush(timeout time.Duration) int { return p.flushTimeout(timeout) }

// Close stops the producer. It does not flush: call Flush first to wait
// for queued messages, as with librdkafka. Each message still queued or in
// flight is reported failed with ErrDestroy: status NotPersisted if it was
// never sent, PossiblyPersisted if it was sent and no answer came. Close
// does not wait for answers: it closes the connections, which also ends a
// write blocked on a broker that stopped reading.
//
// Close returns within about a second whatever the brokers do:
//   - A transactional producer with a transaction open tries to abort it
//     first, waiting at most 500 ms; what it cannot abort in that time
//     the coordinator aborts when transaction.timeout.ms passes.
//   - The reports for deliveryChans and the Events channel are sent as
//     the application receives them, for at most 500 ms once every
//     message has its report. Those not received by then are not sent:
//     they go to Poll instead (the Events channel is closed without
//     them), so each report is still handed out exactly once.
//
// Poll keeps working after Close: it hands out the events still queued,
// then returns nil at once. Close waits for every goroutine the producer
// started. Calling Close more than once is safe.
func (p *Producer) Close() {
	if !p.closed.CompareAndSwap(false, true) {
		return
	}
	p.log.Debugf(logx.Generic, "DESTROY", "Terminating instance (%d messages without a report)", p.Len())
	if p.txn != nil {
		p.txn.closeAbort(closeAbortWait) // while the sender still runs
		p.txn.close()
	}
	close(p.stopHK)
	p.wg.Wait()
	p.now.close()
	p.meta.close()
	p.snd.Close() // in-flight, then queued batches complete with ErrDestroy
	p.route.Close()
	if p.oauth != nil {
		p.oauth.close() // after the connections: closing them ended any wait for a token
	}
	p.topicsMu.Lock()
	p.topicsClosed = true // no topic is created after this
	p.topicsMu.Unlock()
	for _, t := range *p.topics.Load() {
		t.close(p)
	}
	drainBy := time.Now().Add(closeDrainWait)
	p.chans.close(drainBy) // what the application does not take goes to Poll
	p.reports.close()      // nothing adds to it now: Poll returns nil once empty
	p.events.close(drainBy)
	p.acc.Pool.Close() // every batch is completed: the memory can go
	p.log.Debugf(logx.Generic, "DESTROY", "Termination done")
	p.logOut.close() // every goroutine that logs has stopped
}

// IsClosed reports whether Close has been called.
func (p *Producer) IsClosed() bool { return p.closed.Load() }

// housekeeping fails the messages waiting for their topic's metadata whose
// message.timeout.ms or topic.metadata.propagation.max.ms has passed,
// checking every 100 ms (librdkafka checks once a second). Queued batches
// are the sender's to expire. It runs until Close.
func (p *Producer) housekeeping() {
	defer p.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.stopHK:
			return
		case <-tick.C:
		}
		now := p.clock.Now()
		for _, t := range *p.topics.Load() {
			t.expire(p, now)
		}
	}
}
