package main

import (
	"testing"
	"time"
)

func TestTypedFlagsAreSetOnlyWhenGiven(t *testing.T) {
	o, err := parseFlags([]string{"-linger", "2ms", "-X", "compression.type=lz4", "-X", "client.id=perf"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"linger.ms": 2 * time.Millisecond, "compression.type": "lz4", "client.id": "perf"}
	if len(o.props) != len(want) {
		t.Errorf("got properties %v, want %v", o.props, want)
	}
	for k, v := range want {
		if o.props[k] != v {
			t.Errorf("%s: got %v, want %v", k, o.props[k], v)
		}
	}
}

func TestDurationWithoutCountHasNoMessageLimit(t *testing.T) {
	o, err := parseFlags([]string{"-duration", "1s"})
	if err != nil {
		t.Fatal(err)
	}
	if o.count != 0 || o.duration != time.Second {
		t.Errorf("got -n %d, -duration %v; want 0 and 1s", o.count, o.duration)
	}
}

func TestBadFlagsFail(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "0"},
		{"-X", "no-equals-sign"},
		{"-partitions", "0"},
		{"extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded, want an error", args)
		}
	}
}

// TestRunAgainstEmbeddedBroker produces a few thousand messages, keyed and
// compressed, to the embedded broker and through every part of the tool.
func TestRunAgainstEmbeddedBroker(t *testing.T) {
	o, err := parseFlags([]string{"-n", "20000", "-keys", "10", "-compression", "lz4", "-idempotence", "-quiet"})
	if err != nil {
		t.Fatal(err)
	}
	if err := run(o); err != nil {
		t.Fatal(err)
	}
}
