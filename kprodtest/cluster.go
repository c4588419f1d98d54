package kprodtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Cluster is an in-process Kafka cluster for tests. Its brokers listen on
// 127.0.0.1 at ports the system chooses and keep everything in memory.
//
// All methods are safe for concurrent use. Close must be called (New does
// it when the test ends).
type Cluster struct {
	kf        *kfake.Cluster
	log       *slog.Logger // nil: WithLogger was not given
	bootstrap string
	closing   chan struct{} // closed by Close; wakes delayed requests
	closeOnce sync.Once

	// adminMu serialises StopBroker and StartBroker.
	adminMu sync.Mutex

	// mu guards the following.
	mu        sync.Mutex
	listeners map[string]*brokerListener // by address; the latest for each
	brokers   []*broker                  // by ID
}

// broker is one broker's place in the cluster.
type broker struct {
	id    int32
	addr  string
	state brokerState // guarded by Cluster.adminMu
}

type brokerState int8

const (
	running brokerState = iota
	// paused: stopped while it was the only broker kfake had, which
	// kfake cannot remove; it keeps leading its partitions but refuses
	// connections.
	paused
	// removed: stopped and taken out of the cluster; its partitions
	// have other leaders.
	removed
)

// NewCluster starts a cluster. Without options it has 3 brokers and no
// topics.
func NewCluster(opts ...Option) (*Cluster, error) {
	cfg := config{brokers: 3}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Cluster{
		closing:   make(chan struct{}),
		listeners: make(map[string]*brokerListener),
		log:       cfg.logger,
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(cfg.brokers),
		kfake.ListenFn(c.listen),
	}
	for _, t := range cfg.topics {
		kopts = append(kopts, kfake.SeedTopics(int32(t.partitions), t.name))
	}
	if cfg.autoCreate > 0 {
		kopts = append(kopts, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(cfg.autoCreate))
	}
	if cfg.logger != nil {
		kopts = append(kopts, kfake.WithLogger(slogLogger{cfg.logger}))
	}
	kf, err := kfake.NewCluster(kopts...)
	if err != nil {
		c.closeListeners()
		return nil, fmt.Errorf("kprodtest: start cluster: %w", err)
	}
	c.kf = kf
	addrs := kf.ListenAddrs() // in node order: node i listens on addrs[i]
	for i, a := range addrs {
		c.brokers = append(c.brokers, &broker{id: int32(i), addr: a})
	}
	c.bootstrap = strings.Join(addrs, ",")
	if c.log != nil {
		kf.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
			c.logf(slog.LevelDebug, "request", "broker", kf.CurrentNode(), "key", kmsg.NameForKey(req.Key()), "version", req.GetVersion())
			return nil, nil, false // observe only
		})
	}
	return c, nil
}

// New starts a cluster for the test t and closes it when the test and its
// subtests end (t.Cleanup). It fails the test if the cluster cannot start.
func New(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	c, err := NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// listen is kfake's ListenFn: every broker listener, the first and the one
// a restarted broker gets, goes through it.
func (c *Cluster) listen(network, address string) (net.Listener, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	bl := newBrokerListener(ln)
	c.mu.Lock()
	c.listeners[bl.addr.String()] = bl
	c.mu.Unlock()
	return bl, nil
}

// Close stops every broker and closes their connections. It waits for
// nothing a client does; calling it more than once is harmless.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		close(c.closing)
		c.kf.Close()
		c.closeListeners()
	})
}

// closeListeners closes listeners kfake no longer holds (stopped brokers).
func (c *Cluster) closeListeners() {
	c.mu.Lock()
	ls := make([]*brokerListener, 0, len(c.listeners))
	for _, l := range c.listeners {
		ls = append(ls, l)
	}
	c.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
}

// logf logs msg if WithLogger was given.
func (c *Cluster) logf(level slog.Level, msg string, args ...any) {
	if c.log != nil {
		c.log.Log(context.Background(), level, msg, append(args, "component", "kprodtest")...)
	}
}

// BootstrapServers returns every broker's host:port, comma-separated, as
// the bootstrap.servers property takes them. It includes stopped brokers:
// a broker keeps its address when it starts again.
func (c *Cluster) BootstrapServers() string { return c.bootstrap }

// Brokers returns the IDs of every broker, running or stopped, in order.
func (c *Cluster) Brokers() []int32 {
	ids := make([]int32, len(c.brokers))
	for i, b := range c.brokers {
		ids[i] = b.id
	}
	return ids
}

// CreateTopic creates topic with the given number of partitions.
func (c *Cluster) CreateTopic(topic string, partitions int) error {
	if partitions < 1 {
		return fmt.Errorf("kprodtest: create topic %q: %d partitions, want at least one", topic, partitions)
	}
	if err := c.kf.CreateTopic(topic, int32(partitions), nil); err != nil {
		return fmt.Errorf("kprodtest: create topic %q: %w", topic, err)
	}
	return nil
}

// Partitions returns the number of partitions of topic, 0 if it does not
// exist.
func (c *Cluster) Partitions(topic string) int {
	return len(c.kf.PartitionInfos(topic))
}

// Leader returns the ID of the broker leading the partition, or -1 if the
// partition does not exist.
func (c *Cluster) Leader(topic string, partition int32) int32 {
	return c.kf.LeaderFor(topic, partition)
}

// MoveLeader makes broker the leader of the partition and bumps the
// partition's leader epoch, as a leader election does. The old leader
// answers NOT_LEADER_OR_FOLLOWER to requests for the partition from then
// on, so a producer refreshes its metadata and follows the leader.
func (c *Cluster) MoveLeader(topic string, partition, broker int32) error {
	c.adminMu.Lock()
	defer c.adminMu.Unlock()
	b, err := c.brokerLocked(broker)
	if err != nil {
		return fmt.Errorf("kprodtest: move leader of %s[%d]: %w", topic, partition, err)
	}
	if b.state != running {
		return fmt.Errorf("kprodtest: move leader of %s[%d]: broker %d is stopped", topic, partition, broker)
	}
	if err := c.kf.MoveTopicPartition(topic, partition, broker); err != nil {
		return fmt.Errorf("kprodtest: move leader of %s[%d] to broker %d: %w", topic, partition, broker, err)
	}
	c.logf(slog.LevelInfo, "leader moved", "topic", topic, "partition", partition, "broker", broker)
	return nil
}

// brokerLocked returns the broker with the given ID; adminMu must be held.
func (c *Cluster) brokerLocked(id int32) (*broker, error) {
	for _, b := range c.brokers {
		if b.id == id {
			return b, nil
		}
	}
	return nil, fmt.Errorf("no broker %d (brokers are 0 to %d)", id, len(c.brokers)-1)
}

// listener returns the current listener of the broker at addr.
func (c *Cluster) listener(addr string) *brokerListener {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.listeners[addr]
}

// StopBroker stops a broker as a crash or a shutdown would: its open
// connections are closed, so requests in flight to it fail, and new
// connections are refused. While other brokers run, the stopped broker
// leaves the cluster's metadata and the partitions are given leaders among
// the running brokers (chosen at random, as after an election); stopping
// the last running broker leaves its partitions without a reachable
// leader until a broker starts again.
func (c *Cluster) StopBroker(id int32) error {
	c.adminMu.Lock()
	defer c.adminMu.Unlock()
	b, err := c.brokerLocked(id)
	if err != nil {
		return fmt.Errorf("kprodtest: stop broker: %w", err)
	}
	if b.state != running {
		return fmt.Errorf("kprodtest: stop broker %d: already stopped", id)
	}
	c.listener(b.addr).pause()
	b.state = paused
	if c.anyRunningLocked() {
		if err := c.kf.RemoveNode(id); err != nil {
			return fmt.Errorf("kprodtest: stop broker %d: %w", id, err)
		}
		b.state = removed
	}
	c.logf(slog.LevelInfo, "broker stopped", "broker", id)
	return nil
}

// StartBroker starts a stopped broker again on its old address. It
// rejoins the cluster and partition leaders are chosen again, at random,
// among the running brokers; MoveLeader places a partition where a test
// needs it.
func (c *Cluster) StartBroker(id int32) error {
	c.adminMu.Lock()
	defer c.adminMu.Unlock()
	b, err := c.brokerLocked(id)
	if err != nil {
		return fmt.Errorf("kprodtest: start broker: %w", err)
	}
	switch b.state {
	case running:
		return fmt.Errorf("kprodtest: start broker %d: already running", id)
	case paused:
		if err := c.listener(b.addr).resume(); err != nil {
			return fmt.Errorf("kprodtest: start broker %d on %s: %w", id, b.addr, err)
		}
	case removed:
		_, port, _ := net.SplitHostPort(b.addr)
		p, _ := strconv.Atoi(port)
		if _, _, err := c.kf.AddNode(id, p); err != nil {
			return fmt.Errorf("kprodtest: start broker %d on %s: %w", id, b.addr, err)
		}
	}
	b.state = running
	c.logf(slog.LevelInfo, "broker started", "broker", id)
	// Brokers paused as the last one standing can leave now that one runs.
	var errs []error
	for _, o := range c.brokers {
		if o.state == paused {
			if err := c.kf.RemoveNode(o.id); err != nil {
				errs = append(errs, fmt.Errorf("kprodtest: remove stopped broker %d: %w", o.id, err))
				continue
			}
			o.state = removed
		}
	}
	return errors.Join(errs...)
}

// anyRunningLocked reports whether a broker runs; adminMu must be held.
func (c *Cluster) anyRunningLocked() bool {
	for _, b := range c.brokers {
		if b.state == running {
			return true
		}
	}
	return false
}
