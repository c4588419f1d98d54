//go:build !race

package kafka_test

// raceEnabled is set when the race detector is on.
const raceEnabled = false
