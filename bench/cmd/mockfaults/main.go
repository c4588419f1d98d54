// Command mockfaults runs kprod's idempotent producer against librdkafka's
// own mock cluster while Produce requests fail at random and partition
// leaders move, then reads the log back with franz-go's kgo and checks
// every delivery report against it: nothing reported delivered is missing,
// nothing is written twice, each partition holds its messages in the order
// they were produced, and nothing reported NotPersisted is in the log.
//
// librdkafka's mock cluster is a second, independent broker beside kfake.
// It does no sequence checking for a producer without a transactional id,
// and a request it fails with an error appends nothing, whatever the code:
// the faults a pipelining idempotent producer is most exposed to. It needs
// cgo (librdkafka comes linked in with confluent-kafka-go).
//
//	go run ./cmd/mockfaults -seeds 10             # one batch in flight per partition: every run whole
//	go run ./cmd/mockfaults -seeds 10 -pipeline   # five: that broker writes retries after later batches
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"
)

func main() {
	seeds := flag.Int("seeds", 6, "runs, each with its own seed")
	seed0 := flag.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the first run; the next runs add 1")
	n := flag.Int("n", 20000, "messages per run, all produced before the producer has its id")
	partitions := flag.Int("partitions", 4, "partitions of the topic")
	faults := flag.Int("fault-percent", 10, "share of Produce requests failed, in percent")
	inflight := flag.Int("max-in-flight", 5, "max.in.flight for kprod")
	batch := flag.Int("batch-messages", 500, "batch.num.messages for kprod")
	pipeline := flag.Bool("pipeline", false, "producer.WithPartitionPipelining: up to max-in-flight batches per partition")
	within := flag.Int("faults-within", 0, "only the first this many Produce requests may fail (0: any)")
	flag.Parse()
	bad := 0
	for i := range *seeds {
		seed := *seed0 + uint64(i)
		res, err := run(seed, *n, *partitions, *faults, *within, *inflight, *batch, *pipeline)
		if err != nil {
			fmt.Fprintf(os.Stderr, "seed %d: %v\n", seed, err)
			os.Exit(2)
		}
		fmt.Printf("seed %d: %s\n", seed, res)
		if !res.ok() {
			bad++
		}
	}
	if bad > 0 {
		fmt.Printf("%d of %d runs broke a guarantee\n", bad, *seeds)
		os.Exit(1)
	}
	fmt.Printf("%d runs, every report true, nothing lost, duplicated or reordered\n", *seeds)
}

// result is what one run found.
type result struct {
	delivered, failed  int
	refused            int // by Produce, after a fatal error
	failedBy           map[string]int
	lost, dup, reorder int
	notPersistedInLog  int
	fatal              string
	injected, moves    int
	firstBreach        string
}

func (r result) ok() bool {
	return r.lost == 0 && r.dup == 0 && r.reorder == 0 && r.notPersistedInLog == 0
}

func (r result) String() string {
	s := fmt.Sprintf("%d delivered, %d failed %v, %d refused by Produce; lost %d, duplicated %d, reordered %d, NotPersisted in the log %d; %d faults injected, %d leader moves",
		r.delivered, r.failed, r.failedBy, r.refused, r.lost, r.dup, r.reorder, r.notPersistedInLog, r.injected, r.moves)
	if r.fatal != "" {
		s += "; fatal: " + r.fatal
	}
	if r.firstBreach != "" {
		s += "; first breach: " + r.firstBreach
	}
	return s
}

const topic = "mockfaults"

func run(seed uint64, n, partitions, faultPercent, within, inflight, batch int, pipeline bool) (result, error) {
	var res result
	rng := rand.New(rand.NewPCG(seed, 13))
	mc, err := newMockCluster(3)
	if err != nil {
		return res, err
	}
	defer mc.close()
	if err := mc.createTopic(topic, partitions, 3); err != nil {
		return res, err
	}
	codes := make([]int, 4*n/batch+100)
	if within > 0 {
		codes = codes[:min(within, len(codes))]
	}
	for i := range codes {
		if rng.IntN(100) < faultPercent {
			codes[i] = []int{6, 7, 19}[rng.IntN(3)] // NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS
			res.injected++
		}
	}
	mc.pushProduceErrors(codes)

	var opts []producer.Option
	if pipeline {
		opts = append(opts, producer.WithPartitionPipelining())
	}
	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers":  mc.bootstraps(),
		"enable.idempotence": true,
		"max.in.flight":      inflight,
		"batch.num.messages": batch,
		"retry.backoff.ms":   10,
		"linger.ms":          5,
	}, opts...)
	if err != nil {
		return res, err
	}
	defer p.Close()
	accepted := n
	for i := range n {
		err := p.Produce(&producer.Message{Topic: topic, Partition: producer.PartitionAny,
			Key: []byte(fmt.Sprint("key-", i%97)), Value: []byte(strconv.Itoa(i))}, nil)
		if errors.Is(err, producer.ErrFatal) { // raised while producing: the rest is refused
			accepted, res.refused = i, n-i
			break
		}
		if err != nil {
			return res, fmt.Errorf("produce %d: %w", i, err)
		}
	}
	moved := make(chan int)
	go func() { // leaders move while the queued messages go out
		k := 0
		for range 3 {
			time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond) // when, not synchronisation
			if mc.setLeader(topic, int32(rng.IntN(partitions)), int32(1+rng.IntN(3))) == nil {
				k++
			}
		}
		moved <- k
	}()
	reports := make(map[string]*producer.Message, accepted)
	deadline := time.Now().Add(2 * time.Minute)
	for len(reports) < accepted && time.Now().Before(deadline) {
		switch e := p.Poll(100 * time.Millisecond).(type) {
		case *producer.Message:
			reports[string(e.Value)] = e
		case producer.Error:
			if e.IsFatal() && res.fatal == "" {
				res.fatal = e.Error()
			}
		}
	}
	res.moves = <-moved
	if len(reports) < accepted {
		return res, fmt.Errorf("%d delivery reports of %d within 2 minutes", len(reports), accepted)
	}
	res.failedBy = map[string]int{}
	for _, m := range reports {
		if m.Err != nil {
			res.failed++
			var pe producer.Error
			if errors.As(m.Err, &pe) {
				res.failedBy[pe.Code().Name()]++
			}
		} else {
			res.delivered++
		}
	}
	log, err := readLog(mc.bootstraps(), partitions, res.delivered)
	if err != nil {
		return res, err
	}
	check(&res, reports, log)
	return res, nil
}

// check compares the reports with the log.
func check(res *result, reports map[string]*producer.Message, log map[int32][]int) {
	breach := func(format string, args ...any) {
		if res.firstBreach == "" {
			res.firstBreach = fmt.Sprintf(format, args...)
		}
	}
	seen := map[int]int{}
	for part, values := range log {
		for i, v := range values {
			seen[v]++
			if i > 0 && v < values[i-1] {
				res.reorder++
				breach("partition %d: message %d stored after message %d", part, v, values[i-1])
			}
		}
	}
	for value, m := range reports {
		v, _ := strconv.Atoi(value)
		switch c := seen[v]; {
		case m.Err == nil && c == 0:
			res.lost++
			breach("message %d reported delivered, not in the log", v)
		case c > 1:
			res.dup++
			breach("message %d in the log %d times", v, c)
		case m.Err != nil && c > 0 && m.Status == producer.NotPersisted:
			res.notPersistedInLog++
			breach("message %d reported NotPersisted (%v), in the log", v, m.Err)
		}
	}
}

// readLog reads every partition of the topic from the start with kgo until
// at least want records have come and no more arrive for a second.
func readLog(brokers string, partitions, want int) (map[int32][]int, error) {
	offsets := map[int32]kgo.Offset{}
	for i := range partitions {
		offsets[int32(i)] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchMaxWait(200*time.Millisecond),
		// The mock answers ApiVersions v3 and later in a form kgo cannot read.
		kgo.MaxVersions(kversion.V2_3_0()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	log := map[int32][]int{}
	got := 0
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		wait := 5 * time.Second
		if got >= want {
			wait = time.Second // anything more is a duplicate or a stray write
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		fs := cl.PollFetches(ctx)
		cancel()
		recs := fs.Records()
		if len(recs) == 0 && got >= want {
			return log, nil
		}
		for _, r := range recs {
			v, err := strconv.Atoi(string(r.Value))
			if err != nil {
				return nil, fmt.Errorf("record %q at %d/%d: %w", r.Value, r.Partition, r.Offset, err)
			}
			log[r.Partition] = append(log[r.Partition], v)
			got++
		}
	}
	return log, fmt.Errorf("read %d records of the log, want at least %d", got, want)
}
