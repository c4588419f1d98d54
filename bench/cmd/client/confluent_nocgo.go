//go:build !cgo

package main

import "errors"

// Without cgo there is no librdkafka: the confluent client reports that
// instead of failing the build of the others.
func openConfluent(config) (driver, []string, error) {
	return nil, nil, errors.New("confluent-kafka-go needs cgo: build with CGO_ENABLED=1 and a C compiler")
}
