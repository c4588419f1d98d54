package main

import (
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/bench/internal/spec"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestKprodChanIsKprodWithChannelReports runs the kprod-chan client: the
// kprod driver with a deliveryChan per Produce call, named kprod-chan in
// its result.
func TestKprodChanIsKprodWithChannelReports(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	s := spec.Defaults()
	s.Messages, s.Warmup, s.Partitions, s.Keys = 2000, 500, 3, 10
	res, err := run(kprodChan, cluster.ListenAddrs(), "t", "w", s, nil, harness{reports: "poll"}, time.Minute, "")
	if err != nil {
		t.Fatalf("run: %v (result %+v)", err, res)
	}
	if res.Client != kprodChan || res.Delivered != 2000 || res.Failed != 0 {
		t.Errorf("client %q delivered %d, failed %d; want %q, 2000, 0", res.Client, res.Delivered, res.Failed, kprodChan)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "-reports channel") {
		t.Errorf("notes %q: want the deliveryChan's note", res.Notes)
	}
	if _, err := run(kprodChan, cluster.ListenAddrs(), "t", "", s, nil, harness{reports: "events"}, time.Second, ""); err == nil || !strings.Contains(err.Error(), "-reports") {
		t.Errorf("-client %s -reports events: error %v, want one about -reports", kprodChan, err)
	}
}

// TestAutoWarmup: with -warmup -1 (the default), an unthrottled run warms
// up with max-outstanding messages and a run with a rate with 2,000; the
// result says which.
func TestAutoWarmup(t *testing.T) {
	for _, tt := range []struct {
		rate, want int
	}{{0, 3000}, {100_000, spec.RateWarmup}} {
		s := spec.Defaults()
		s.Messages, s.MaxOutstanding, s.Rate = 1000, 3000, tt.rate
		res, err := run("floor", nil, "t", "", s, nil, harness{reports: "poll"}, time.Minute, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Settings.Warmup != tt.want || res.Delivered != 1000 {
			t.Errorf("rate %d: warm-up %d, delivered %d; want %d, 1000", tt.rate, res.Settings.Warmup, res.Delivered, tt.want)
		}
	}
}

// TestPacingKeepsTheRate runs the floor (no library, so nothing but the
// harness can fall behind) at 200,000 msgs/s: sleeping only when ahead by
// pacingSlack, the loop must neither run ahead of the schedule by more
// than that slack nor, on an idle machine, fall behind it. The lower bound
// leaves room for a busy machine.
func TestPacingKeepsTheRate(t *testing.T) {
	s := spec.Defaults()
	s.Messages, s.Rate, s.LatencyEvery = 100_000, 200_000, 1 // 0.5 s
	res, err := run("floor", nil, "t", "", s, nil, harness{reports: "poll"}, time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	schedule := time.Duration(s.Messages-1) * time.Second / time.Duration(s.Rate)
	if res.Elapsed < schedule-pacingSlack {
		t.Errorf("took %v, ahead of the schedule's %v by more than %v", res.Elapsed, schedule, pacingSlack)
	}
	if res.MsgsPerS < 0.9*float64(s.Rate) {
		t.Errorf("achieved %.0f msgs/s, want about %d", res.MsgsPerS, s.Rate)
	}
	if res.LatencySamples != uint64(s.Messages) {
		t.Errorf("%d latency samples, want one per message (%d)", res.LatencySamples, s.Messages)
	}
	t.Logf("%.0f msgs/s over %v, %v CPU/msg; latency p50 %v p99 %v", res.MsgsPerS, res.Elapsed, res.CPUPerMsg, res.P50, res.P99)
}
