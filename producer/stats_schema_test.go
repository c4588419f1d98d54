package producer_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// jsonKind is a JSON value's type in the statistics schema.
type jsonKind string

const (
	jStr  jsonKind = "string"
	jInt  jsonKind = "int"
	jBool jsonKind = "bool"
	jObj  jsonKind = "object"
)

// statsSchema is every key librdkafka emits in a producer's statistics
// (the shared reference librdkafka-statistics.md), by path; "*" stands for
// each key of a map (a broker, topic, partition or toppar name). Every path
// is required, and no other may appear.
var statsSchema = func() map[string]jsonKind {
	s := map[string]jsonKind{}
	add := func(prefix string, k jsonKind, names ...string) {
		for _, n := range names {
			s[prefix+n] = k
		}
	}
	add("", jStr, "name", "client_id", "type")
	add("", jInt, "ts", "time", "age", "replyq", "msg_cnt", "msg_size", "msg_max", "msg_size_max",
		"simple_cnt", "metadata_cache_cnt", "tx", "tx_bytes", "rx", "rx_bytes", "txmsgs", "txmsg_bytes",
		"rxmsgs", "rxmsg_bytes")
	add("", jObj, "brokers", "topics")

	b := "brokers.*."
	add("brokers.", jObj, "*")
	add(b, jStr, "name", "nodename", "source", "state")
	add(b, jInt, "nodeid", "stateage", "outbuf_cnt", "outbuf_msg_cnt", "waitresp_cnt", "waitresp_msg_cnt",
		"tx", "txbytes", "txerrs", "txretries", "txidle", "req_timeouts", "rx", "rxbytes", "rxerrs",
		"rxcorriderrs", "rxpartial", "rxidle", "zbuf_grow", "buf_grow", "wakeups", "connects", "disconnects")
	add(b, jObj, "int_latency", "outbuf_latency", "rtt", "throttle", "req", "toppars")
	for _, w := range []string{"int_latency", "outbuf_latency", "rtt", "throttle"} {
		addWindow(add, b+w+".")
	}
	add(b+"req.", jInt, "Produce", "ListOffsets", "Metadata", "FindCoordinator", "SaslHandshake", "ApiVersion",
		"InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit", "SaslAuthenticate",
		"DescribeCluster", "DescribeProducers", "DescribeTransactions", "ListTransactions",
		"GetTelemetrySubscriptions", "PushTelemetry", "ShareGroupHeartbeat", "ShareFetch", "ShareAcknowledge")
	add(b+"toppars.", jObj, "*")
	add(b+"toppars.*.", jStr, "topic")
	add(b+"toppars.*.", jInt, "partition")

	t := "topics.*."
	add("topics.", jObj, "*")
	add(t, jStr, "topic")
	add(t, jInt, "age", "metadata_age")
	add(t, jObj, "batchsize", "batchcnt", "partitions")
	addWindow(add, t+"batchsize.")
	addWindow(add, t+"batchcnt.")
	add(t+"partitions.", jObj, "*")
	p := t + "partitions.*."
	add(p, jInt, "partition", "broker", "leader", "msgq_cnt", "msgq_bytes", "xmit_msgq_cnt", "xmit_msgq_bytes",
		"fetchq_cnt", "fetchq_size", "query_offset", "next_offset", "app_offset", "stored_offset",
		"stored_leader_epoch", "commited_offset", "committed_offset", "committed_leader_epoch", "eof_offset",
		"lo_offset", "hi_offset", "ls_offset", "consumer_lag", "consumer_lag_stored", "leader_epoch",
		"txmsgs", "txbytes", "rxmsgs", "rxbytes", "msgs", "rx_ver_drops", "msgs_inflight",
		"next_ack_seq", "next_err_seq", "acked_msgid")
	add(p, jBool, "desired", "unknown")
	add(p, jStr, "fetch_state")
	return s
}()

// eosSchema is the eos object, emitted only by an idempotent producer.
var eosSchema = map[string]jsonKind{
	"eos": jObj, "eos.idemp_state": jStr, "eos.idemp_stateage": jInt, "eos.txn_state": jStr,
	"eos.txn_stateage": jInt, "eos.txn_may_enq": jBool, "eos.producer_id": jInt,
	"eos.producer_epoch": jInt, "eos.epoch_cnt": jInt,
}

func addWindow(add func(string, jsonKind, ...string), prefix string) {
	add(prefix, jInt, "min", "max", "avg", "sum", "stddev", "p50", "p75", "p90", "p95", "p99", "p99_99",
		"outofrange", "hdrsize", "cnt")
}

// mapLevels are the objects whose keys are names, not fields.
var mapLevels = map[string]bool{"brokers": true, "topics": true, "topics.*.partitions": true, "brokers.*.toppars": true}

// checkStatsSchema parses js and checks it against statsSchema (plus
// eosSchema when idempotent): every path present with its type, none
// other, partition keys numeric and "-1" present in every topic.
func checkStatsSchema(t testing.TB, js string, idempotent bool) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("statistics are not JSON: %v\n%s", err, js)
	}
	want := map[string]jsonKind{}
	for k, v := range statsSchema {
		want[k] = v
	}
	if idempotent {
		for k, v := range eosSchema {
			want[k] = v
		}
	}
	got := map[string]jsonKind{}
	var problems []string
	var walk func(prefix string, v map[string]any)
	walk = func(prefix string, v map[string]any) {
		for k, x := range v {
			name := k
			if mapLevels[strings.TrimSuffix(prefix, ".")] {
				name = "*"
				if strings.HasSuffix(prefix, "partitions.") {
					if _, err := strconv.Atoi(k); err != nil {
						problems = append(problems, fmt.Sprintf("partition key %q is not a number", k))
					}
				}
			}
			path := prefix + name
			var kind jsonKind
			switch x := x.(type) {
			case string:
				kind = jStr
			case bool:
				kind = jBool
			case json.Number:
				kind = jInt
				if _, err := x.Int64(); err != nil {
					problems = append(problems, fmt.Sprintf("%s%s = %s, want an integer", prefix, k, x))
				}
			case map[string]any:
				kind = jObj
				walk(path+".", x)
			default:
				kind = jsonKind(fmt.Sprintf("%T", x))
			}
			if prev, ok := got[path]; ok && prev != kind {
				problems = append(problems, fmt.Sprintf("%s is both %s and %s", path, prev, kind))
			}
			got[path] = kind
		}
	}
	walk("", doc)
	for path, k := range want {
		if g, ok := got[path]; !ok {
			if emptyMap(path, got) {
				continue // no entry anywhere: checkStatsSchema's callers require one where they expect it
			}
			problems = append(problems, "missing "+path)
		} else if g != k {
			problems = append(problems, fmt.Sprintf("%s is %s, want %s", path, g, k))
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			problems = append(problems, "unexpected "+path)
		}
	}
	for name, tv := range doc["topics"].(map[string]any) {
		if _, ok := tv.(map[string]any)["partitions"].(map[string]any)["-1"]; !ok {
			problems = append(problems, fmt.Sprintf("topic %q has no \"-1\" partition", name))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Fatalf("statistics do not fit librdkafka's schema:\n%s\n%s", strings.Join(problems, "\n"), js)
	}
	return doc
}

// emptyMap reports whether path lies under a map level that had no entry in
// any of its instances (a broker that leads no partition has no toppars).
func emptyMap(path string, got map[string]jsonKind) bool {
	deepest := ""
	for level := range mapLevels {
		if strings.HasPrefix(path, level+".*") && len(level) > len(deepest) {
			deepest = level
		}
	}
	if deepest == "" {
		return false
	}
	_, present := got[deepest]
	_, entries := got[deepest+".*"]
	return present && !entries
}
