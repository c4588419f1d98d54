package main

import (
	"time"

	"github.com/kprod-go/kprod/bench/internal/spec"
)

// workload is one named set of settings that every client runs.
type workload struct {
	name string
	s    spec.Settings
}

// workloads returns the standard workloads; quick shrinks them to a smoke
// test and scale multiplies the message counts.
func workloads(quick bool, scale float64) []workload {
	d := spec.Defaults()

	small := d // the reference measurement: 100 B, no key, acks=all, idempotent, linger 5 ms
	small.Messages = 1_000_000

	keyed := d
	keyed.Messages = 500_000
	keyed.Size = 1024
	keyed.Keys = 1000
	keyed.Partitions = 12

	lz4 := keyed
	lz4.Compression = "lz4"

	zstd := keyed
	zstd.Compression = "zstd"

	wide := keyed // many partitions: many small batches per request
	wide.Keys = 10_000
	wide.Partitions = 1000

	ws := []workload{
		{"100B", small},
		{"1KB-keyed-12p", keyed},
		{"1KB-keyed-12p-lz4", lz4},
		{"1KB-keyed-12p-zstd", zstd},
		{"1KB-keyed-1000p", wide},
	}
	// Latency at a fixed rate, for 5 s, every message's latency sampled;
	// with linger 5 ms and with none.
	for _, r := range []struct {
		name     string
		rate     int
		messages int
		linger   time.Duration
	}{
		{"rate20k-linger5", 20_000, 100_000, 5 * time.Millisecond},
		{"rate20k-linger0", 20_000, 100_000, 0},
		{"rate200k-linger5", 200_000, 1_000_000, 5 * time.Millisecond},
		{"rate200k-linger0", 200_000, 1_000_000, 0},
	} {
		s := d
		s.Messages = r.messages
		s.Keys = 1000
		s.Partitions = 12
		s.Rate = r.rate
		s.Linger = r.linger
		s.LatencyEvery = 1
		ws = append(ws, workload{r.name, s})
	}
	for i := range ws {
		s := &ws[i].s
		s.Warmup = s.WarmupMessages()
		if quick {
			s.Messages = max(s.Messages/100, 2_000)
			s.Warmup = min(s.Warmup, 1_000)
			if s.Rate > 0 {
				s.Rate = s.Messages // one second
			}
		}
		s.Messages = max(int(float64(s.Messages)*scale), 1)
	}
	return ws
}
