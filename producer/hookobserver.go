package producer

import (
	"github.com/kprod-go/kprod/compress"
	"github.com/kprod-go/kprod/internal/observe"
)

// hookObserver adapts the application's hooks to the internal observer
// seam: each observer event becomes the public event of the same name,
// for the hooks that asked for it.
type hookObserver struct{ s *hookSet }

// observer returns the observer that feeds s's connection, request and
// batch hooks, or nil when it has none, so that nothing is reported.
func (s *hookSet) observer() observe.Observer {
	if len(s.connect)+len(s.disconnect)+len(s.write)+len(s.read)+len(s.throttle)+len(s.batch) == 0 {
		return nil
	}
	return hookObserver{s}
}

func hookBroker(n observe.Node) Broker { return Broker{NodeID: n.ID, Addr: n.Addr} }

func (o hookObserver) OnConnect(e observe.Connect) {
	for _, h := range o.s.connect {
		h.OnBrokerConnect(BrokerConnect{Broker: hookBroker(e.Node), Took: e.Took, Err: e.Err})
	}
}

func (o hookObserver) OnDisconnect(e observe.Disconnect) {
	for _, h := range o.s.disconnect {
		h.OnBrokerDisconnect(BrokerDisconnect{Broker: hookBroker(e.Node), Err: e.Err})
	}
}

func (o hookObserver) OnRequestWritten(e observe.RequestWritten) {
	for _, h := range o.s.write {
		h.OnBrokerWrite(BrokerWrite{Broker: hookBroker(e.Node), Key: e.Key, Version: e.Version, Bytes: e.Bytes,
			WriteWait: e.Wait, TimeToWrite: e.Write, Err: e.Err})
	}
}

func (o hookObserver) OnResponseRead(e observe.ResponseRead) {
	for _, h := range o.s.read {
		h.OnBrokerRead(BrokerRead{Broker: hookBroker(e.Node), Key: e.Key, Bytes: e.Bytes, RTT: e.RTT, Err: e.Err})
	}
}

func (o hookObserver) OnThrottle(e observe.Throttle) {
	for _, h := range o.s.throttle {
		h.OnBrokerThrottle(BrokerThrottle{Broker: hookBroker(e.Node), Key: e.Key, Time: e.Time, AfterResponse: e.AfterResponse})
	}
}

func (o hookObserver) OnBatchWritten(e observe.BatchWritten) {
	for _, h := range o.s.batch {
		h.OnBatchWritten(BatchWritten{Broker: hookBroker(e.Node), Topic: e.Topic, Partition: e.Partition, Records: e.Records,
			Bytes: e.Bytes, CompressedBytes: e.WireBytes, Codec: compress.Type(e.Codec), Retries: e.Retries, Queued: e.Queued})
	}
}
