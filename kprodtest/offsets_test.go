package kprodtest_test

import (
	"context"
	"maps"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
)

func TestCommittedOffsetsAreThoseOfCommittedTransactions(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("in", 2), kprodtest.WithTopic("out", 1))
	p := newProducer(t, c, producer.ConfigMap{"transactional.id": "tx"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.CommittedOffsets("g"); got != nil {
		t.Fatalf("CommittedOffsets of a group that does not exist = %v, want nil", got)
	}
	meta, err := producer.NewTestConsumerGroupMetadata("g")
	if err != nil {
		t.Fatal(err)
	}
	txn := func(offsets []producer.TopicPartition, commit bool) {
		t.Helper()
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		requireDelivered(t, deliver(t, p, messages("out", 0, 0, 1)))
		if err := p.SendOffsetsToTransaction(ctx, offsets, meta); err != nil {
			t.Fatal(err)
		}
		end := p.CommitTransaction
		if !commit {
			end = p.AbortTransaction
		}
		if err := end(ctx); err != nil {
			t.Fatal(err)
		}
	}
	txn([]producer.TopicPartition{{Topic: "in", Partition: 0, Offset: 10}, {Topic: "in", Partition: 1, Offset: 4}}, true)
	txn([]producer.TopicPartition{{Topic: "in", Partition: 0, Offset: 99}}, false)
	want := map[string]map[int32]int64{"in": {0: 10, 1: 4}}
	got := c.CommittedOffsets("g")
	if len(got) != 1 || !maps.Equal(got["in"], want["in"]) {
		t.Fatalf("CommittedOffsets(g) = %v, want %v", got, want)
	}
}

// A delay still holding a request when the cluster closes ends with it:
// nothing of kprodtest's keeps running.
func TestCloseEndsHeldRequests(t *testing.T) {
	c, err := kprodtest.NewCluster(kprodtest.WithTopic("events", 1))
	if err != nil {
		t.Fatal(err)
	}
	p := newProducer(t, c, nil)
	f := c.DelayProduce(time.Hour, kprodtest.Forever)
	if err := p.Produce(messages("events", 0, 0, 1)[0], nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.Wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "kprodtest.(*Cluster)") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kprodtest code still running after Close:\n%s", stacks)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}
