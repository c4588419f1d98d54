package sender

import (
	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/errcode"
)

// Outcome is how a batch ended.
type Outcome struct {
	Code          errcode.Code // 0 on success, else a librdkafka error code
	Detail        string       // what happened, for the error message
	BaseOffset    int64        // offset of the first record, -1 when unknown
	LogAppendTime int64        // broker timestamp in ms when the topic uses LogAppendTime, else -1
	Status        errcode.Status
}

// statusOf returns the persistence status b has so far. accumulator.Batch
// keeps it as an int8, since a public package may not show errcode's type.
func statusOf(b *accumulator.Batch) errcode.Status { return errcode.Status(b.Status) }

// setStatus records b's persistence status.
func setStatus(b *accumulator.Batch, s errcode.Status) { b.Status = int8(s) }
