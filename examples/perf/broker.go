package main

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
)

// startBroker starts an in-process Kafka broker (franz-go's kfake) with the
// topic already created. It keeps every record in memory, and its CPU time
// counts in this process's.
func startBroker(topic string, partitions int) (addrs string, stop func(), err error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), topic))
	if err != nil {
		return "", nil, fmt.Errorf("start embedded broker: %w", err)
	}
	return strings.Join(c.ListenAddrs(), ","), c.Close, nil
}
