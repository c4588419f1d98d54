// Command transactional writes to two topics atomically with kprod's
// transactional producer, commits several transactions, aborts one on
// purpose, then reads both topics back with an independent consumer (kgo)
// at read_committed and checks that it saw every committed message once, in
// order, and nothing that was aborted. It exits with status 1 if not.
//
// With no -brokers flag it starts an embedded, in-process Kafka broker
// (kprod's kprodtest package) with the two topics, so it runs anywhere Go does:
//
//	go run ./examples/transactional
//
// Against a real cluster, the topics must exist and be used by nothing
// else while it runs:
//
//	go run ./examples/transactional -brokers localhost:9092 -topics orders,payments
//
// Each transaction writes -n messages to every partition of both topics,
// so a message of the aborted transaction would sit, in each partition,
// before messages of a later committed one, where a consumer that failed
// to skip it would have to show it. For the same reason the aborted
// transaction (-abort) may not be the last.
//
// The transactional calls handle errors as confluent-kafka-go's
// transactions example does: an error for which IsRetriable is true means
// the call may be made again, and it resumes (a commit that timed out
// completes on the next call); TxnRequiresAbort means the transaction
// cannot commit: it is aborted and written again from the start; IsFatal,
// or any other error, ends the program.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// options are the command's flags.
type options struct {
	brokers         string        // bootstrap servers; empty starts an embedded broker
	topics          []string      // the two topics written together
	partitions      int           // partitions of each embedded topic
	transactions    int           // transactions to write
	perPartition    int           // messages per partition of each topic in a transaction
	abort           int           // the transaction aborted on purpose; -1 for none
	transactionalID string        // transactional.id
	callTimeout     time.Duration // bound on one transactional call before it is retried
	timeout         time.Duration // bound on the whole run
}

// maxAttempts bounds how often one transaction is written again after an
// abortable error, and how often one call is retried.
const maxAttempts = 5

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("transactional", flag.ContinueOnError)
	fs.StringVar(&o.brokers, "brokers", "", "bootstrap servers, host:port[,host:port]; empty starts an embedded broker")
	topics := fs.String("topics", "orders,payments", "the two topics written in each transaction, comma-separated")
	fs.IntVar(&o.partitions, "partitions", 3, "partitions of each topic of the embedded broker")
	fs.IntVar(&o.transactions, "transactions", 5, "transactions to write")
	fs.IntVar(&o.perPartition, "n", 2, "messages to each partition of each topic in a transaction")
	fs.IntVar(&o.abort, "abort", 2, "the transaction (counted from 0) to abort on purpose; -1 for none")
	fs.StringVar(&o.transactionalID, "transactional-id", "kprod-transactional-example", "transactional.id")
	fs.DurationVar(&o.callTimeout, "call-timeout", 10*time.Second, "bound on one transactional call; a call that times out is made again")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.topics = strings.Split(*topics, ",")
	switch {
	case len(o.topics) != 2 || o.topics[0] == "" || o.topics[1] == "" || o.topics[0] == o.topics[1]:
		return o, fmt.Errorf("-topics %q: want two different topics", *topics)
	case o.partitions < 1 || o.transactions < 1 || o.perPartition < 1:
		return o, errors.New("-partitions, -transactions and -n must be at least 1")
	case o.abort < -1 || o.abort >= o.transactions-1:
		return o, fmt.Errorf("-abort %d: want -1 or a transaction before the last (0..%d), so that a committed one follows it",
			o.abort, o.transactions-2)
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "transactional:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "transactional:", err)
		os.Exit(1)
	}
}

// tp names a partition of a topic.
type tp struct {
	topic     string
	partition int32
}

func (t tp) String() string { return fmt.Sprintf("%s[%d]", t.topic, t.partition) }

func run(ctx context.Context, o options, out io.Writer) error {
	if o.brokers == "" {
		opts := []kprodtest.Option{kprodtest.WithBrokers(1)}
		for _, topic := range o.topics {
			opts = append(opts, kprodtest.WithTopic(topic, o.partitions))
		}
		cluster, err := kprodtest.NewCluster(opts...)
		if err != nil {
			return fmt.Errorf("start embedded broker: %w", err)
		}
		defer cluster.Close()
		o.brokers = cluster.BootstrapServers()
		fmt.Fprintf(out, "embedded broker at %s, topics %q and %q with %d partitions each\n",
			o.brokers, o.topics[0], o.topics[1], o.partitions)
	}
	seeds := strings.Split(o.brokers, ",")

	// An independent client (kgo) finds the partitions, where the run
	// starts in each, and reads back what was committed.
	admin, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return err
	}
	defer admin.Close()

	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers": o.brokers,
		"transactional.id":  o.transactionalID,
	})
	if err != nil {
		return err
	}
	reports := serveReports(p, out)
	defer func() {
		p.Close()
		reports.stop()
	}()

	w := &writer{p: p, o: o, out: out}
	// InitTransactions also aborts a transaction an earlier instance with
	// this transactional.id left open, so the start offsets come after it.
	if err := w.call(ctx, "InitTransactions", p.InitTransactions); err != nil {
		return err
	}
	start, err := lastStableOffsets(ctx, admin, o.topics)
	if err != nil {
		return err
	}
	for t := range start {
		w.parts = append(w.parts, t)
	}
	slices.SortFunc(w.parts, func(a, b tp) int {
		if c := strings.Compare(a.topic, b.topic); c != 0 {
			return c
		}
		return int(a.partition - b.partition)
	})

	want := make(map[tp][]string) // committed values, per partition in order
	aborted := make(map[string]bool)
	for i := range o.transactions {
		committed, abortedValues, err := w.transaction(ctx, i, i == o.abort)
		for _, v := range abortedValues {
			aborted[v] = true
		}
		if err != nil {
			return err
		}
		for t, vs := range committed {
			want[t] = append(want[t], vs...)
		}
	}

	got, err := readCommitted(ctx, seeds, start, want, out)
	if err != nil {
		return err
	}
	if err := verify(want, got, aborted); err != nil {
		return err
	}
	for _, topic := range o.topics {
		n := 0
		for t, vs := range got {
			if t.topic == topic {
				n += len(vs)
			}
		}
		fmt.Fprintf(out, "read back at read_committed: %d messages in %s\n", n, topic)
	}
	fmt.Fprintf(out, "ok: every committed message once and in order, none of the %d aborted ones\n", len(aborted))
	return nil
}

// writer writes the transactions.
type writer struct {
	p     *producer.Producer
	o     options
	out   io.Writer
	parts []tp // every partition of both topics
}

// transaction writes transaction i, aborting it when abort is set, else
// committing it, and writing it again from the start after an abortable
// error. It returns the values committed, per partition in order, and those
// of every aborted attempt.
func (w *writer) transaction(ctx context.Context, i int, abort bool) (committed map[tp][]string, aborted []string, err error) {
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err := w.p.BeginTransaction(); err != nil {
			return nil, aborted, fmt.Errorf("transaction %d: BeginTransaction: %w", i, err)
		}
		values, err := w.produce(i, attempt)
		if err != nil {
			if isFatal(err) {
				return nil, aborted, fmt.Errorf("transaction %d: %w", i, err)
			}
			fmt.Fprintf(w.out, "transaction %d attempt %d: %v: aborting, then writing it again\n", i, attempt, err)
			if err := w.abort(ctx); err != nil {
				return nil, aborted, err
			}
			aborted = appendValues(aborted, values)
			continue
		}
		if abort {
			if err := w.abort(ctx); err != nil {
				return nil, aborted, err
			}
			fmt.Fprintf(w.out, "transaction %d: aborted on purpose (%d messages)\n", i, count(values))
			return nil, appendValues(aborted, values), nil
		}
		err = w.call(ctx, "CommitTransaction", w.p.CommitTransaction)
		if err == nil {
			fmt.Fprintf(w.out, "transaction %d: committed %d messages (attempt %d)\n", i, count(values), attempt)
			return values, aborted, nil
		}
		if !requiresAbort(err) {
			return nil, aborted, fmt.Errorf("transaction %d: %w", i, err)
		}
		fmt.Fprintf(w.out, "transaction %d attempt %d: %v: aborting, then writing it again\n", i, attempt, err)
		if err := w.abort(ctx); err != nil {
			return nil, aborted, err
		}
		aborted = appendValues(aborted, values)
	}
	return nil, aborted, fmt.Errorf("transaction %d: still failing after %d attempts", i, maxAttempts)
}

func (w *writer) abort(ctx context.Context) error {
	return w.call(ctx, "AbortTransaction", w.p.AbortTransaction)
}

func appendValues(dst []string, values map[tp][]string) []string {
	for _, vs := range values {
		dst = append(dst, vs...)
	}
	return dst
}

// produce queues -n messages for each partition of both topics and returns
// their values per partition, in order. On an error it returns what it
// queued before.
func (w *writer) produce(i, attempt int) (map[tp][]string, error) {
	values := make(map[tp][]string)
	for j := range w.o.perPartition {
		for _, t := range w.parts {
			v := fmt.Sprintf("txn %d attempt %d %s #%d", i, attempt, t, j)
			m := &producer.Message{Topic: t.topic, Partition: t.partition, Key: fmt.Appendf(nil, "txn-%d", i), Value: []byte(v)}
			for {
				err := w.p.Produce(m, nil)
				if errors.Is(err, producer.ErrQueueFull) {
					time.Sleep(time.Millisecond) // let the sender catch up
					continue
				}
				if err != nil {
					return values, fmt.Errorf("produce to %s: %w", t, err)
				}
				break
			}
			values[t] = append(values[t], v)
		}
	}
	return values, nil
}

// call makes a transactional call, bounded by -call-timeout, and makes it
// again while it fails with a retriable error: the call resumes where the
// last one stopped.
func (w *writer) call(ctx context.Context, name string, f func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, w.o.callTimeout)
		err := f(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if !strings.HasPrefix(err.Error(), name+": ") {
			err = fmt.Errorf("%s: %w", name, err)
		}
		if !isRetriable(err) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(w.out, "%v: calling it again\n", err)
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func isRetriable(err error) bool {
	var e producer.Error
	return errors.As(err, &e) && e.IsRetriable()
}

func requiresAbort(err error) bool {
	var e producer.Error
	return errors.As(err, &e) && e.TxnRequiresAbort()
}

func isFatal(err error) bool {
	var e producer.Error
	return errors.As(err, &e) && e.IsFatal()
}

func count(values map[tp][]string) int {
	n := 0
	for _, vs := range values {
		n += len(vs)
	}
	return n
}

// reportServer serves the producer's events from Poll: delivery reports of
// aborted transactions come back failed (ErrPurgeQueue for those purged
// before they were sent), and a fatal error comes as an Error event.
type reportServer struct {
	done chan struct{}
	wg   sync.WaitGroup
}

func serveReports(p *producer.Producer, out io.Writer) *reportServer {
	s := &reportServer{done: make(chan struct{})}
	s.wg.Go(func() {
		for {
			select {
			case <-s.done:
				return
			default:
			}
			if e, ok := p.Poll(100 * time.Millisecond).(producer.Error); ok {
				fmt.Fprintln(out, "producer error:", e)
			}
		}
	})
	return s
}

func (s *reportServer) stop() {
	close(s.done)
	s.wg.Wait()
}

// lastStableOffsets returns, for every partition of topics, the offset a
// read_committed consumer reads up to now: where this run's messages start.
func lastStableOffsets(ctx context.Context, cl *kgo.Client, topics []string) (map[tp]int64, error) {
	meta := kmsg.NewPtrMetadataRequest()
	for _, t := range topics {
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr(t)
		meta.Topics = append(meta.Topics, mt)
	}
	mresp, err := meta.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	list := kmsg.NewPtrListOffsetsRequest()
	list.ReplicaID = -1
	list.IsolationLevel = 1 // read_committed: the last stable offset
	for _, mt := range mresp.Topics {
		if err := kerr.ErrorForCode(mt.ErrorCode); err != nil {
			return nil, fmt.Errorf("topic %s: %w (create it first)", *mt.Topic, err)
		}
		lt := kmsg.NewListOffsetsRequestTopic()
		lt.Topic = *mt.Topic
		for _, mp := range mt.Partitions {
			lp := kmsg.NewListOffsetsRequestTopicPartition()
			lp.Partition = mp.Partition
			lp.CurrentLeaderEpoch = -1
			lp.Timestamp = -1 // latest
			lt.Partitions = append(lt.Partitions, lp)
		}
		list.Topics = append(list.Topics, lt)
	}
	lresp, err := list.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}
	offsets := make(map[tp]int64)
	for _, lt := range lresp.Topics {
		for _, lp := range lt.Partitions {
			if err := kerr.ErrorForCode(lp.ErrorCode); err != nil {
				return nil, fmt.Errorf("list offsets of %s[%d]: %w", lt.Topic, lp.Partition, err)
			}
			offsets[tp{lt.Topic, lp.Partition}] = lp.Offset
		}
	}
	return offsets, nil
}

// readCommitted reads every partition in start from its offset there, with
// kgo at read_committed, until it has as many messages as want holds for
// each partition, and returns their values.
func readCommitted(ctx context.Context, seeds []string, start map[tp]int64, want map[tp][]string, out io.Writer) (map[tp][]string, error) {
	from := make(map[string]map[int32]kgo.Offset)
	for t, off := range start {
		if from[t.topic] == nil {
			from[t.topic] = make(map[int32]kgo.Offset)
		}
		from[t.topic][t.partition] = kgo.NewOffset().At(off)
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.ConsumePartitions(from),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	got := make(map[tp][]string)
	complete := func() bool {
		for t, vs := range want {
			if len(got[t]) < len(vs) {
				return false
			}
		}
		return true
	}
	for !complete() {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read back %d of %d committed messages: %w", count(got), count(want), ctx.Err())
		}
		fs.EachError(func(topic string, partition int32, err error) {
			fmt.Fprintf(out, "read back: %s[%d]: %v\n", topic, partition, err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			t := tp{r.Topic, r.Partition}
			got[t] = append(got[t], string(r.Value))
		})
	}
	return got, nil
}

// verify checks that got holds exactly want's values, partition by
// partition, in order, and names any value of an aborted transaction.
func verify(want, got map[tp][]string, aborted map[string]bool) error {
	var errs []error
	for t, vs := range got {
		for _, v := range vs {
			if aborted[v] {
				errs = append(errs, fmt.Errorf("%s: read %q, which was aborted", t, v))
			}
		}
	}
	keys := make(map[tp]bool)
	for t := range want {
		keys[t] = true
	}
	for t := range got {
		keys[t] = true
	}
	for t := range keys {
		if w, g := want[t], got[t]; !slices.Equal(w, g) {
			errs = append(errs, fmt.Errorf("%s: read %d messages %q, want the %d committed %q", t, len(g), g, len(w), w))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}
