package main

import (
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

	rate := d // latency at a steady, moderate rate
	rate.Messages = 200_000
	rate.Keys = 1000
	rate.Partitions = 12
	rate.Rate = 20_000
	rate.LatencyEvery = 1

	ws := []workload{
		{"100B", small},
		{"1KB-keyed-12p", keyed},
		{"1KB-keyed-12p-lz4", lz4},
		{"1KB-keyed-12p-zstd", zstd},
		{"100B-keyed-12p-rate20k", rate},
	}
	for i := range ws {
		s := &ws[i].s
		if quick {
			s.Messages = max(s.Messages/100, 2_000)
			s.Warmup = 100
			if s.Rate > 0 {
				s.Rate = s.Messages // one second
			}
		}
		s.Messages = max(int(float64(s.Messages)*scale), 1)
	}
	return ws
}
