// Package logx carries kprod's log lines from where things happen to the
// producer's sink: librdkafka's debug contexts as a bitmask, its syslog
// levels, and its facility tags.
//
// A Logger is checked before a line is built: On for a debug context,
// Enabled for a level. A nil *Logger is valid and logs nothing. A line
// guarded by On costs one branch and no allocation when its context is
// off; every line on a path a message takes is guarded so. (An unguarded
// Debugf still boxes its arguments: use it only off those paths.)
package logx

import (
	"fmt"
	"time"
)

// Context is a set of librdkafka debug contexts (the debug property).
type Context uint32

// The debug contexts that apply to a producer, with librdkafka's names.
const (
	Generic Context = 1 << iota
	Broker
	Topic
	Metadata
	Feature
	Queue
	Msg
	Protocol
	Security
	EOS
	Conf
	// All is every context above ("all").
	All = Generic | Broker | Topic | Metadata | Feature | Queue | Msg | Protocol | Security | EOS | Conf
)

// contextNames maps librdkafka's names to contexts. Contexts librdkafka
// has for consumers, admin clients and plugins enable nothing here.
var contextNames = map[string]Context{
	"generic": Generic, "broker": Broker, "topic": Topic, "metadata": Metadata,
	"feature": Feature, "queue": Queue, "msg": Msg, "protocol": Protocol,
	"security": Security, "eos": EOS, "conf": Conf, "all": All,
}

// ParseContexts returns the contexts named in names (librdkafka's names;
// unknown names are ignored: the configuration has checked them).
func ParseContexts(names []string) Context {
	var c Context
	for _, n := range names {
		c |= contextNames[n]
	}
	return c
}

// String names the contexts in c, comma-separated.
func (c Context) String() string {
	s := ""
	for _, n := range []string{"generic", "broker", "topic", "metadata", "feature", "queue", "msg", "protocol", "security", "eos", "conf"} {
		if c&contextNames[n] != 0 {
			if s != "" {
				s += ","
			}
			s += n
		}
	}
	return s
}

// Syslog levels, as librdkafka's log_level.
const (
	Emerg   = 0
	Alert   = 1
	Crit    = 2
	Err     = 3
	Warning = 4
	Notice  = 5
	Info    = 6
	Debug   = 7
)

// Line is one log line.
type Line struct {
	Time     time.Time
	Level    int     // syslog level, 0 (emergency) to 7 (debug)
	Context  Context // the debug context of a debug line; 0 for a line logged whatever debug says
	Facility string  // librdkafka's facility tag: "FAIL", "CONNECT", "METADATA", ...
	Message  string
}

// Logger decides which lines are logged and hands them to its sink. Its
// fields are set once, before use; it is safe for concurrent use if its
// sink is.
type Logger struct {
	contexts Context
	level    int
	sink     func(Line)
}

// New returns a Logger that passes lines of contexts in debug, and lines
// at level or below, to sink. As in librdkafka, any debug context raises
// the level to Debug so that its lines are seen. A nil sink logs nothing.
func New(debug Context, level int, sink func(Line)) *Logger {
	if sink == nil {
		return nil
	}
	if debug != 0 {
		level = Debug
	}
	return &Logger{contexts: debug, level: level, sink: sink}
}

// On reports whether lines of context c are logged: callers check it
// before building a debug line.
func (l *Logger) On(c Context) bool { return l != nil && l.contexts&c != 0 }

// Enabled reports whether lines at level are logged.
func (l *Logger) Enabled(level int) bool { return l != nil && level <= l.level }

// Debugf logs a debug line of context c, if c is on.
func (l *Logger) Debugf(c Context, facility, format string, args ...any) {
	if !l.On(c) {
		return
	}
	l.sink(Line{Time: time.Now(), Level: Debug, Context: c, Facility: facility, Message: fmt.Sprintf(format, args...)})
}

// Logf logs a line at level whatever the debug contexts, if the level is
// enabled: failures and other news a service needs to see.
func (l *Logger) Logf(level int, facility, format string, args ...any) {
	if !l.Enabled(level) {
		return
	}
	l.sink(Line{Time: time.Now(), Level: level, Facility: facility, Message: fmt.Sprintf(format, args...)})
}
