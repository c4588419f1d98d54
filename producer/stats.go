package producer

import (
	"encoding/json"
)

// Stats is librdkafka's statistics for a producer, emitted every
// statistics.interval.ms as an event from Poll. Its fields carry
// librdkafka's keys in their json tags, so that String, json.Marshal of
// the value, is the statistics JSON tools built for librdkafka read
// (rust-rdkafka's Statistics, node-rdkafka-prometheus, ...); Go callers
// read the fields. Units are librdkafka's: times in microseconds unless a
// field says otherwise; counters only grow over the producer's life; the
// windows (WindowStats) cover the time since the previous emit.
type Stats struct {
	Name             string                 `json:"name"`      // client.id#producer-N
	ClientID         string                 `json:"client_id"` // client.id
	Type             string                 `json:"type"`      // "producer"
	TS               int64                  `json:"ts"`        // monotonic clock, µs
	Time             int64                  `json:"time"`      // wall clock, Unix seconds
	Age              int64                  `json:"age"`       // since New, µs
	ReplyQ           int64                  `json:"replyq"`    // events waiting for Poll
	MsgCnt           int64                  `json:"msg_cnt"`   // messages held: Len at the emit
	MsgSize          int64                  `json:"msg_size"`  // their value bytes
	MsgMax           int64                  `json:"msg_max"`   // queue.buffering.max.messages
	MsgSizeMax       int64                  `json:"msg_size_max"`
	SimpleCnt        int64                  `json:"simple_cnt"` // always 0 (librdkafka's legacy consumer)
	MetadataCacheCnt int64                  `json:"metadata_cache_cnt"`
	Brokers          map[string]BrokerStats `json:"brokers"` // by librdkafka's broker name, "host:port/id" or "host:port/bootstrap"
	Topics           map[string]TopicStats  `json:"topics"`
	EOS              *EOSStats              `json:"eos,omitempty"`   // only with enable.idempotence
	Fatal            *FatalStats            `json:"fatal,omitempty"` // only after a fatal error
	Tx               int64                  `json:"tx"`              // requests sent, all brokers
	TxBytes          int64                  `json:"tx_bytes"`
	Rx               int64                  `json:"rx"` // responses read, all brokers
	RxBytes          int64                  `json:"rx_bytes"`
	TxMsgs           int64                  `json:"txmsgs"` // messages acknowledged, all partitions
	TxMsgBytes       int64                  `json:"txmsg_bytes"`
	RxMsgs           int64                  `json:"rxmsgs"`      // always 0 for a producer
	RxMsgBytes       int64                  `json:"rxmsg_bytes"` // always 0 for a producer
}

// String returns the statistics JSON.
func (s *Stats) String() string {
	b, err := json.Marshal(s)
	if err != nil { // only plain values: cannot happen
		return "{}"
	}
	return string(b)
}

// BrokerStats is one broker's statistics.
type BrokerStats struct {
	Name           string                 `json:"name"`
	NodeID         int32                  `json:"nodeid"`   // -1 for a bootstrap server
	NodeName       string                 `json:"nodename"` // host:port
	Source         string                 `json:"source"`   // "configured" or "learned"
	State          string                 `json:"state"`    // "UP", "DOWN" or "INIT"
	StateAge       int64                  `json:"stateage"` // µs
	OutbufCnt      int64                  `json:"outbuf_cnt"`
	OutbufMsgCnt   int64                  `json:"outbuf_msg_cnt"`
	WaitRespCnt    int64                  `json:"waitresp_cnt"`     // requests written, not yet answered
	WaitRespMsgCnt int64                  `json:"waitresp_msg_cnt"` // messages in flight to the broker's partitions
	Tx             int64                  `json:"tx"`
	TxBytes        int64                  `json:"txbytes"`
	TxErrs         int64                  `json:"txerrs"`
	TxRetries      int64                  `json:"txretries"` // retries of the batches the broker then acknowledged
	TxIdle         int64                  `json:"txidle"`    // µs since the last request; -1 when none or down
	ReqTimeouts    int64                  `json:"req_timeouts"`
	Rx             int64                  `json:"rx"`
	RxBytes        int64                  `json:"rxbytes"`
	RxErrs         int64                  `json:"rxerrs"`
	RxCorrIDErrs   int64                  `json:"rxcorriderrs"`
	RxPartial      int64                  `json:"rxpartial"`
	RxIdle         int64                  `json:"rxidle"` // µs since the last response; -1 when none or down
	ZBufGrow       int64                  `json:"zbuf_grow"`
	BufGrow        int64                  `json:"buf_grow"`
	Wakeups        int64                  `json:"wakeups"`
	Connects       int64                  `json:"connects"`
	Disconnects    int64                  `json:"disconnects"`
	IntLatency     WindowStats            `json:"int_latency"`    // first message produced to its request's write, per batch, µs
	OutbufLatency  WindowStats            `json:"outbuf_latency"` // request ready to its write, µs
	RTT            WindowStats            `json:"rtt"`            // request written to response read, µs
	Throttle       WindowStats            `json:"throttle"`       // the broker's ThrottleTimeMs, ms
	Req            map[string]int64       `json:"req"`            // requests sent by librdkafka's API name
	Toppars        map[string]TopparStats `json:"toppars"`        // partitions the broker leads, "topic-partition"
}

// TopparStats names a partition a broker leads.
type TopparStats struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
}

// WindowStats summarises the samples of one window, with librdkafka's
// fourteen keys.
type WindowStats struct {
	Min        int64 `json:"min"`
	Max        int64 `json:"max"`
	Avg        int64 `json:"avg"`
	Sum        int64 `json:"sum"`
	Stddev     int64 `json:"stddev"`
	P50        int64 `json:"p50"`
	P75        int64 `json:"p75"`
	P90        int64 `json:"p90"`
	P95        int64 `json:"p95"`
	P99        int64 `json:"p99"`
	P99_99     int64 `json:"p99_99"`
	OutOfRange int64 `json:"outofrange"` // samples past the histogram's range
	HdrSize    int64 `json:"hdrsize"`    // the histogram's memory, bytes
	Cnt        int64 `json:"cnt"`
}

// TopicStats is one topic's statistics.
type TopicStats struct {
	Topic       string                    `json:"topic"`
	Age         int64                     `json:"age"`          // since first produced to, ms
	MetadataAge int64                     `json:"metadata_age"` // since its metadata was last applied, ms
	BatchSize   WindowStats               `json:"batchsize"`    // bytes per batch as sent
	BatchCnt    WindowStats               `json:"batchcnt"`     // messages per batch
	Partitions  map[string]PartitionStats `json:"partitions"`   // by id; "-1" is the messages waiting for metadata
}

// PartitionStats is one partition's statistics. The consumer's fields are
// emitted with librdkafka's placeholders (-1001 for offsets), as
// librdkafka's producer does, for parsers that require them.
type PartitionStats struct {
	Partition            int32  `json:"partition"`
	Broker               int32  `json:"broker"` // leader's id, -1 none
	Leader               int32  `json:"leader"`
	Desired              bool   `json:"desired"`
	Unknown              bool   `json:"unknown"`
	MsgqCnt              int64  `json:"msgq_cnt"` // messages queued, not in a request
	MsgqBytes            int64  `json:"msgq_bytes"`
	XmitMsgqCnt          int64  `json:"xmit_msgq_cnt"`
	XmitMsgqBytes        int64  `json:"xmit_msgq_bytes"`
	FetchqCnt            int64  `json:"fetchq_cnt"`
	FetchqSize           int64  `json:"fetchq_size"`
	FetchState           string `json:"fetch_state"`
	QueryOffset          int64  `json:"query_offset"`
	NextOffset           int64  `json:"next_offset"`
	AppOffset            int64  `json:"app_offset"`
	StoredOffset         int64  `json:"stored_offset"`
	StoredLeaderEpoch    int32  `json:"stored_leader_epoch"`
	CommitedOffset       int64  `json:"commited_offset"` // sic: librdkafka emits both spellings
	CommittedOffset      int64  `json:"committed_offset"`
	CommittedLeaderEpoch int32  `json:"committed_leader_epoch"`
	EOFOffset            int64  `json:"eof_offset"`
	LoOffset             int64  `json:"lo_offset"`
	HiOffset             int64  `json:"hi_offset"`
	LsOffset             int64  `json:"ls_offset"`
	ConsumerLag          int64  `json:"consumer_lag"`
	ConsumerLagStored    int64  `json:"consumer_lag_stored"`
	LeaderEpoch          int32  `json:"leader_epoch"`
	TxMsgs               int64  `json:"txmsgs"` // messages acknowledged
	TxBytes              int64  `json:"txbytes"`
	RxMsgs               int64  `json:"rxmsgs"`
	RxBytes              int64  `json:"rxbytes"`
	Msgs                 int64  `json:"msgs"` // messages acknowledged or still held (queued or in flight)
	RxVerDrops           int64  `json:"rx_ver_drops"`
	MsgsInflight         int64  `json:"msgs_inflight"`
	NextAckSeq           int32  `json:"next_ack_seq"` // idempotent: sequence of the oldest record not yet acknowledged
	NextErrSeq           int32  `json:"next_err_seq"`
	AckedMsgID           int64  `json:"acked_msgid"`
}

// EOSStats is the idempotent producer's state.
type EOSStats struct {
	IdempState    string `json:"idemp_state"`    // librdkafka's idempotence state name
	IdempStateAge int64  `json:"idemp_stateage"` // ms, to the emit interval
	TxnState      string `json:"txn_state"`      // the transaction state machine's state (librdkafka's names); "Init" when not transactional
	TxnStateAge   int64  `json:"txn_stateage"`   // ms
	TxnMayEnq     bool   `json:"txn_may_enq"`
	ProducerID    int64  `json:"producer_id"`
	ProducerEpoch int16  `json:"producer_epoch"`
	EpochCnt      int64  `json:"epoch_cnt"` // producer ids and epochs taken
}

// FatalStats is the fatal error the producer raised (librdkafka's "fatal"
// object, emitted only once there is one).
type FatalStats struct {
	Error  string `json:"error"`  // the original code's name, e.g. OUT_OF_ORDER_SEQUENCE_NUMBER
	Reason string `json:"reason"` // the error's text
	Cnt    int64  `json:"cnt"`    // fatal errors raised: 1, as later ones are not
}
