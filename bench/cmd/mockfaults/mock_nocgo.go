//go:build !cgo

package main

import "errors"

// mockCluster stands in for librdkafka's mock cluster where cgo is off.
type mockCluster struct{}

func newMockCluster(int) (*mockCluster, error) {
	return nil, errors.New("librdkafka's mock cluster needs cgo: build with CGO_ENABLED=1 and a C compiler")
}

func (*mockCluster) bootstraps() string                   { return "" }
func (*mockCluster) createTopic(string, int, int) error   { return nil }
func (*mockCluster) setLeader(string, int32, int32) error { return nil }
func (*mockCluster) pushProduceErrors([]int)              {}
func (*mockCluster) close()                               {}
