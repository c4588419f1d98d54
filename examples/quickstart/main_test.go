package main

import (
	"context"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
)

// TestRunDeliversEveryMessageOnce runs the quick start against a kprodtest
// cluster and reads the topic back: every message is there once, whole.
func TestRunDeliversEveryMessageOnce(t *testing.T) {
	const count, size = 5000, 100
	cluster := kprodtest.New(t, kprodtest.WithTopic("quickstart", 6))
	if err := run(cluster.BootstrapServers(), "quickstart", count, size); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	records, err := cluster.Records(ctx, "quickstart")
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != count {
		t.Fatalf("the topic holds %d records, want %d", len(records), count)
	}
	next := map[int32]int64{}
	for _, r := range records {
		if r.Offset != next[r.Partition] {
			t.Fatalf("partition %d: offset %d, want %d", r.Partition, r.Offset, next[r.Partition])
		}
		next[r.Partition]++
		if len(r.Value) != size || r.Value[0] != 'a' || r.Value[size-1] != 'a'+byte((size-1)%26) {
			t.Fatalf("record %s[%d]@%d: value %q, want the %d-byte alphabet", r.Topic, r.Partition, r.Offset, r.Value, size)
		}
	}
}

// TestRunStartsItsOwnBroker runs the quick start as `go run` does, with no
// -brokers.
func TestRunStartsItsOwnBroker(t *testing.T) {
	if err := run("", "quickstart", 1000, 10); err != nil {
		t.Fatal(err)
	}
}
