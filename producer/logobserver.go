package producer

import (
	"strconv"
	"time"

	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// logObserver turns connection, request and batch events into the broker,
// protocol and msg debug lines. New installs it only when one of those
// contexts is on, so that otherwise the seam stays nil and costs nothing.
type logObserver struct {
	log *logx.Logger
}

// newLogObserver returns the observer for log, or nil when no context it
// serves is on.
func newLogObserver(log *logx.Logger) observe.Observer {
	if !log.On(logx.Broker | logx.Protocol | logx.Msg) {
		return nil
	}
	return logObserver{log: log}
}

// brokerName names a broker as librdkafka does: host:port/id, or
// host:port/bootstrap before its id is known.
func brokerName(n observe.Node) string {
	if n.ID < 0 {
		return n.Addr + "/bootstrap"
	}
	return n.Addr + "/" + strconv.Itoa(int(n.ID))
}

func (o logObserver) OnConnect(e observe.Connect) {
	if e.Err != nil {
		o.log.Debugf(logx.Broker, "CONNECT", "%s: connection failed after %v: %v", brokerName(e.Node), e.Took.Round(time.Microsecond), e.Err)
		return
	}
	o.log.Debugf(logx.Broker, "CONNECT", "%s: connected (TCP, TLS, ApiVersions and SASL done in %v)", brokerName(e.Node), e.Took.Round(time.Microsecond))
	o.log.Debugf(logx.Broker, "STATE", "%s: broker state change CONNECT -> UP", brokerName(e.Node))
}

func (o logObserver) OnDisconnect(e observe.Disconnect) {
	o.log.Debugf(logx.Broker, "BROKERFAIL", "%s: disconnected: %v", brokerName(e.Node), e.Err)
	o.log.Debugf(logx.Broker, "STATE", "%s: broker state change UP -> DOWN", brokerName(e.Node))
}

func (o logObserver) OnRequestWritten(e observe.RequestWritten) {
	if !o.log.On(logx.Protocol) {
		return
	}
	if e.Err != nil {
		o.log.Debugf(logx.Protocol, "SEND", "%s: failed to send %sRequest (v%d): %v", brokerName(e.Node), kmsg.NameForKey(e.Key), e.Version, e.Err)
		return
	}
	o.log.Debugf(logx.Protocol, "SEND", "%s: sent %sRequest (v%d, %d bytes)", brokerName(e.Node), kmsg.NameForKey(e.Key), e.Version, e.Bytes)
}

func (o logObserver) OnResponseRead(e observe.ResponseRead) {
	if !o.log.On(logx.Protocol) {
		return
	}
	rtt := float64(e.RTT) / float64(time.Millisecond)
	if e.Err != nil {
		o.log.Debugf(logx.Protocol, "RECV", "%s: no %sResponse after %.2fms: %v", brokerName(e.Node), kmsg.NameForKey(e.Key), rtt, e.Err)
		return
	}
	o.log.Debugf(logx.Protocol, "RECV", "%s: received %sResponse (%d bytes, rtt %.2fms)", brokerName(e.Node), kmsg.NameForKey(e.Key), e.Bytes, rtt)
}

func (o logObserver) OnThrottle(e observe.Throttle) {
	o.log.Debugf(logx.Broker, "THROTTLE", "%s: %sResponse throttled by the broker for %v", brokerName(e.Node), kmsg.NameForKey(e.Key), e.Time)
}

func (o logObserver) OnBatchWritten(e observe.BatchWritten) {
	if !o.log.On(logx.Msg) {
		return
	}
	o.log.Debugf(logx.Msg, "MSGSET", "%s [%d]: MessageSet with %d message(s) (%d bytes, %d on the wire) delivered by %s",
		e.Topic, e.Partition, e.Records, e.Bytes, e.WireBytes, brokerName(e.Node))
}
