package sender

import (
	"time"

	"github.com/kprod-go/kprod/internal/observe"
	"github.com/kprod-go/kprod/internal/wire"
)

// batchWritten tells obs of a batch that reached the log (or, with acks=0,
// was written to the socket), before the batch is completed and its memory
// reused.
func (s *Sender) batchWritten(obs observe.Observer, t *inflight) {
	b := t.b
	e := observe.BatchWritten{
		Node:      observe.Node{ID: t.r.sink.id},
		Topic:     t.p.Topic,
		Partition: t.p.ID,
		Records:   b.Records(),
		Bytes:     b.Size(),
		WireBytes: b.WireLen(),
		Codec:     int8(b.Attrs & wire.AttrCodecMask),
		Retries:   b.Retries,
	}
	if t.r.conn != nil {
		e.Node = t.r.conn.Node()
	}
	if t.sent != 0 {
		e.Queued = time.Duration(t.sent - b.FirstAppend)
	}
	obs.OnBatchWritten(e)
}
