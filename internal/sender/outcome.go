package sender

// Status is a batch's persistence status, with librdkafka's values.
type Status int8

// Persistence statuses.
const (
	NotPersisted      Status = 0 // never written, or definitely rejected
	PossiblyPersisted Status = 1 // sent without an answer: it may be in the log
	Persisted         Status = 2 // acknowledged by the broker
)

// Outcome is how a batch ended.
type Outcome struct {
	Code          int32  // 0 on success, else a librdkafka error code
	Detail        string // what happened, for the error message
	BaseOffset    int64  // offset of the first record, -1 when unknown
	LogAppendTime int64  // broker timestamp in ms when the topic uses LogAppendTime, else -1
	Status        Status
}

// librdkafka error codes the sender produces (see the producer's ErrorCode
// for the full table; the numbers are the same).
const (
	CodeDestroy            int32 = -197
	CodeTransport          int32 = -195
	CodeMsgTimedOut        int32 = -192
	CodeTimedOut           int32 = -185
	CodeUnsupportedFeature int32 = -165
	CodeInconsistent       int32 = -149
)
