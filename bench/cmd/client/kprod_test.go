package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/bench/internal/spec"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKprodTxnSizeCommitsEveryMessage runs kprod's driver with -txn-size
// 1000 on 1,000 warm-up and 2,500 measured messages: four transactions
// (one for the warm-up, two full, and the partial one Finish commits). A
// read_committed consumer (kgo) must then read all 3,500.
func TestKprodTxnSizeCommitsEveryMessage(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	s := spec.Defaults()
	s.Messages, s.Warmup, s.Partitions, s.Keys = 2500, 1000, 3, 10
	res, err := run("kprod", cluster.ListenAddrs(), "t", "txn", s, nil, harness{reports: "poll", txnSize: 1000}, time.Minute, "")
	if err != nil {
		t.Fatalf("run: %v (result %+v)", err, res)
	}
	if res.Delivered != 2500 || res.Failed != 0 {
		t.Errorf("delivered %d, failed %d; want 2500, 0", res.Delivered, res.Failed)
	}
	want := "transactional: 1000 messages per transaction, each committed (-txn-size)"
	if !slices.Contains(res.Notes, want) {
		t.Errorf("notes %q do not contain %q", res.Notes, want)
	}

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(cluster.ListenAddrs()...),
		kgo.ConsumeTopics("t"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for n < 3500 && ctx.Err() == nil {
		n += cl.PollFetches(ctx).NumRecords()
	}
	if n != 3500 {
		t.Errorf("a read_committed consumer read %d messages, want 3500", n)
	}
}

func TestTxnSizeIsKprodOnly(t *testing.T) {
	s := spec.Defaults()
	for _, tt := range []struct {
		client string
		size   int
	}{{"franz-go", 10}, {"floor", 1}, {"kprod", -1}, {kprodChan, -1}} {
		_, err := run(tt.client, []string{"127.0.0.1:1"}, "t", "", s, nil, harness{reports: "poll", txnSize: tt.size}, time.Second, "")
		if err == nil || !strings.Contains(err.Error(), "-txn-size") {
			t.Errorf("-client %s -txn-size %d: error %v, want one about -txn-size", tt.client, tt.size, err)
		}
	}
}

func TestKprodTxnSizeNeedsIdempotence(t *testing.T) {
	s := spec.Defaults()
	s.Idempotent = false
	_, err := run("kprod", []string{"127.0.0.1:1"}, "t", "", s, nil, harness{reports: "poll", txnSize: 10}, time.Second, "")
	if err == nil || !strings.Contains(err.Error(), "`transactional.id` requires `enable.idempotence=true`") {
		t.Errorf("-idempotent=false -txn-size 10: error %v, want librdkafka's conflict", err)
	}
}

// TestKprodReportPaths runs kprod's driver with each -reports path: every
// message is reported delivered once.
func TestKprodReportPaths(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	for _, reports := range []string{"poll", "channel", "events", "func"} {
		t.Run(reports, func(t *testing.T) {
			s := spec.Defaults()
			s.Messages, s.Warmup, s.Partitions, s.Keys = 2000, 500, 3, 10
			res, err := run("kprod", cluster.ListenAddrs(), "t", reports, s, nil, harness{reports: reports}, time.Minute, "")
			if err != nil {
				t.Fatalf("run: %v (result %+v)", err, res)
			}
			if res.Delivered != 2000 || res.Failed != 0 {
				t.Errorf("delivered %d, failed %d; want 2000, 0", res.Delivered, res.Failed)
			}
		})
	}
	if _, err := run("kprod", cluster.ListenAddrs(), "t", "", spec.Defaults(), nil, harness{reports: "carrier pigeon"}, time.Second, ""); err == nil || !strings.Contains(err.Error(), "-reports") {
		t.Errorf("-reports carrier pigeon: error %v, want one about -reports", err)
	}
}
