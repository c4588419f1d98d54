package producer

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kprod-go/kprod/internal/logx"
)

// LogEvent is one log line, as confluent-kafka-go's: from the Logs channel
// with go.logs.channel.enable=true.
type LogEvent struct {
	Name      string    // the client instance: client.id#producer-N, as librdkafka's rdkafka#producer-1
	Tag       string    // librdkafka's facility: "FAIL", "CONNECT", "METADATA", ...
	Message   string    // the line itself
	Level     int       // syslog level: 0 emergency ... 3 error, 4 warning, 5 notice, 6 info, 7 debug
	Timestamp time.Time // when the line was logged
}

// String formats the event as librdkafka prints a log line.
func (e LogEvent) String() string {
	return fmt.Sprintf("%%%d|%s|%s|%s: %s", e.Level, e.Timestamp.Format(time.RFC3339Nano), e.Tag, e.Name, e.Message)
}

// WithLogger sends the producer's log lines to l, in place of
// slog.Default(). Each record carries the attributes "name" (the client
// instance), "facility" (librdkafka's tag) and, for a debug line,
// "context" (its debug context); syslog levels map to slog's: 0-3 Error,
// 4 Warn, 5-6 Info, 7 Debug. Lines above log_level are not logged, and l's
// handler filters further. It cannot be combined with
// go.logs.channel.enable. The handler runs on the producer's own
// goroutines (connections, sinks, the metadata loop), some of them holding
// a connection's write lock: it must be safe for concurrent use, must not
// block, and must not call the producer.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return newError(ErrInvalidArg, "WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// logsChanSize is the capacity of the Logs channel, as confluent-kafka-go's.
const logsChanSize = 10000

// instances numbers the producers of the process for their names.
var instances atomic.Int64

// logOutput is where the producer's log lines go: the Logs channel or a
// slog.Logger.
type logOutput struct {
	name  string
	slog  *slog.Logger  // nil with go.logs.channel.enable
	ch    chan LogEvent // with go.logs.channel.enable; set before use
	ownCh bool          // the producer made ch (no go.logs.channel): Close closes it

	// mu guards the following: a line is never sent on a closed channel.
	mu      sync.Mutex
	closed  bool
	dropped int64 // lines dropped because the channel was full
}

// newLogger builds the producer's logger from log_level, debug,
// go.logs.channel.enable and WithLogger.
func newLogger(cfg *config, o *options) (*logx.Logger, *logOutput, error) {
	if cfg.logsChannelEnable && o.logger != nil {
		return nil, nil, newError(ErrInvalidArg, "go.logs.channel.enable and WithLogger cannot be combined: choose one")
	}
	out := &logOutput{name: fmt.Sprintf("%s#producer-%d", cfg.snd.Broker.ClientID, instances.Add(1))}
	var sink func(logx.Line)
	if cfg.logsChannelEnable {
		out.ch, out.ownCh = cfg.logsChannel, false
		if out.ch == nil {
			out.ch, out.ownCh = make(chan LogEvent, logsChanSize), true
		}
		sink = out.send
	} else {
		out.slog = o.logger
		if out.slog == nil {
			out.slog = slog.Default()
			if len(cfg.debug) > 0 && !out.slog.Enabled(context.Background(), slog.LevelDebug) {
				// debug asks for lines the default handler drops: write
				// them to stderr, as librdkafka does.
				out.slog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
			}
		}
		sink = out.log
	}
	return logx.New(logx.ParseContexts(cfg.debug), cfg.logLevel, sink), out, nil
}

// send queues a line on the Logs channel without blocking: a line that
// finds the channel full is dropped, and counted in the next one sent.
func (o *logOutput) send(l logx.Line) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	msg := l.Message
	if o.dropped > 0 {
		msg = fmt.Sprintf("%s (%d earlier log line(s) dropped: the Logs channel was full)", msg, o.dropped)
	}
	select {
	case o.ch <- LogEvent{Name: o.name, Tag: l.Facility, Message: msg, Level: l.Level, Timestamp: l.Time}:
		o.dropped = 0
	default:
		o.dropped++
	}
}

// log writes a line to the slog.Logger.
func (o *logOutput) log(l logx.Line) {
	level := slogLevel(l.Level)
	ctx := context.Background()
	if !o.slog.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(l.Time, level, l.Message, 0)
	r.AddAttrs(slog.String("name", o.name), slog.String("facility", l.Facility))
	if l.Context != 0 {
		r.AddAttrs(slog.String("context", l.Context.String()))
	}
	_ = o.slog.Handler().Handle(ctx, r)
}

// slogLevel maps a syslog level to slog's.
func slogLevel(syslog int) slog.Level {
	switch {
	case syslog <= logx.Err:
		return slog.LevelError
	case syslog == logx.Warning:
		return slog.LevelWarn
	case syslog <= logx.Info:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// close stops the sending of lines, once no line can come any more, and
// closes the Logs channel if the producer made it.
func (o *logOutput) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ch != nil && !o.closed {
		o.closed = true
		if o.ownCh {
			close(o.ch)
		}
	}
}

// Logs returns the channel of log lines, with go.logs.channel.enable=true:
// the one given as go.logs.channel, or else one the producer made, 10000
// deep; nil without go.logs.channel.enable. Lines at log_level or below,
// and with debug contexts the contexts' lines, arrive on it from the
// producer's goroutines, which never wait for it: a line that finds it
// full is dropped, and the next line sent says how many were. Close closes
// a channel the producer made once its goroutines have stopped, and stops
// sending on one given as go.logs.channel without closing it.
func (p *Producer) Logs() chan LogEvent { return p.logOut.ch }
