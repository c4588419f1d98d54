//go:build cgo

package main

// The few functions of librdkafka's mock cluster this command uses,
// declared here rather than through rdkafka_mock.h, which lies in
// confluent-kafka-go's module directory. The symbols come from the
// librdkafka that confluent-kafka-go links in statically.

/*
#include <stdint.h>
#include <stdlib.h>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

rd_kafka_conf_t *rd_kafka_conf_new(void);
rd_kafka_t *rd_kafka_new(int type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size);
void rd_kafka_destroy(rd_kafka_t *rk);
rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt);
void rd_kafka_mock_cluster_destroy(rd_kafka_mock_cluster_t *mcluster);
const char *rd_kafka_mock_cluster_bootstraps(const rd_kafka_mock_cluster_t *mcluster);
int rd_kafka_mock_topic_create(rd_kafka_mock_cluster_t *mcluster, const char *topic, int partition_cnt, int replication_factor);
int rd_kafka_mock_partition_set_leader(rd_kafka_mock_cluster_t *mcluster, const char *topic, int32_t partition, int32_t broker_id);
void rd_kafka_mock_push_request_errors_array(rd_kafka_mock_cluster_t *mcluster, int16_t ApiKey, size_t cnt, const int *errors);
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	_ "github.com/confluentinc/confluent-kafka-go/v2/kafka" // links librdkafka
)

// mockCluster is a librdkafka mock cluster and the handle that owns it.
type mockCluster struct {
	rk *C.rd_kafka_t
	mc *C.rd_kafka_mock_cluster_t
}

func newMockCluster(brokers int) (*mockCluster, error) {
	var errstr [256]C.char
	rk := C.rd_kafka_new(0 /* RD_KAFKA_PRODUCER */, C.rd_kafka_conf_new(), &errstr[0], C.size_t(len(errstr)))
	if rk == nil {
		return nil, fmt.Errorf("rd_kafka_new: %s", C.GoString(&errstr[0]))
	}
	mc := C.rd_kafka_mock_cluster_new(rk, C.int(brokers))
	if mc == nil {
		C.rd_kafka_destroy(rk)
		return nil, errors.New("rd_kafka_mock_cluster_new failed")
	}
	return &mockCluster{rk: rk, mc: mc}, nil
}

func (m *mockCluster) bootstraps() string {
	return C.GoString(C.rd_kafka_mock_cluster_bootstraps(m.mc))
}

func (m *mockCluster) createTopic(topic string, partitions, replication int) error {
	ct := C.CString(topic)
	defer C.free(unsafe.Pointer(ct))
	if code := C.rd_kafka_mock_topic_create(m.mc, ct, C.int(partitions), C.int(replication)); code != 0 {
		return fmt.Errorf("creating topic %s: error %d", topic, int(code))
	}
	return nil
}

func (m *mockCluster) setLeader(topic string, partition, broker int32) error {
	ct := C.CString(topic)
	defer C.free(unsafe.Pointer(ct))
	if code := C.rd_kafka_mock_partition_set_leader(m.mc, ct, C.int32_t(partition), C.int32_t(broker)); code != 0 {
		return fmt.Errorf("moving %s [%d] to broker %d: error %d", topic, partition, broker, int(code))
	}
	return nil
}

// pushProduceErrors makes the next len(codes) Produce requests, on any
// broker, fail with codes in order; 0 lets a request through.
func (m *mockCluster) pushProduceErrors(codes []int) {
	if len(codes) == 0 {
		return
	}
	cs := make([]C.int, len(codes))
	for i, c := range codes {
		cs[i] = C.int(c)
	}
	C.rd_kafka_mock_push_request_errors_array(m.mc, 0 /* Produce */, C.size_t(len(cs)), &cs[0])
}

func (m *mockCluster) close() {
	C.rd_kafka_mock_cluster_destroy(m.mc)
	C.rd_kafka_destroy(m.rk)
}
