#!/usr/bin/env bash
# Builds confluent-kafka-go's producer examples against kprod's kafka
# package, changed only in their import path, and runs each against a
# kprodtest cluster (kafka/internal/ckgrun).
#
#   scripts/ckg-examples.sh /path/to/confluent-kafka-go-checkout
#
# The examples are not part of confluent-kafka-go's Go module, so they are
# taken from a checkout of its repository. idempotent_producer_example
# exits 1 by design: it raises a test fatal error (TestFatalError).
set -euo pipefail
ckg=${1:?usage: $0 /path/to/confluent-kafka-go}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/go.mod" <<MOD
module ckgexamples
go 1.26
require github.com/kprod-go/kprod v0.0.0
replace github.com/kprod-go/kprod => $root
MOD
bins=()
for ex in producer_example idempotent_producer_example producer_custom_channel_example \
  legacy/producer_channel_example oauthbearer_producer_example; do
  name=$(basename "$ex")
  mkdir -p "$work/$name"
  sed 's|github.com/confluentinc/confluent-kafka-go/v2/kafka|github.com/kprod-go/kprod/kafka|' \
    "$ckg/examples/$ex"/*.go > "$work/$name/main.go"
  bins+=("$name")
done
cd "$work"
GOFLAGS=-mod=mod go mod tidy >/dev/null
for b in "${bins[@]}"; do
  CGO_ENABLED=0 go build -o "bin/$b" "./$b"
  echo "built $b"
done
go build -C "$root" -o "$work/bin/ckgrun" ./kafka/internal/ckgrun
# oauthbearer_producer_example needs an OAUTHBEARER broker: built, not run.
./bin/ckgrun bin/producer_example bin/producer_custom_channel_example bin/producer_channel_example bin/idempotent_producer_example
