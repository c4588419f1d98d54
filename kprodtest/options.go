package kprodtest

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kfake"
)

// An Option configures a Cluster made by NewCluster or New.
type Option func(*config)

// config is what the options set.
type config struct {
	brokers    int
	topics     []topicSpec
	autoCreate int // partitions of an auto-created topic; 0: no auto-creation
	logger     *slog.Logger
}

type topicSpec struct {
	name       string
	partitions int
}

// WithBrokers sets the number of brokers, numbered 0 to n-1. The default is
// 3, so that a partition's leader can move and a broker can stop while the
// others serve.
func WithBrokers(n int) Option {
	return func(c *config) { c.brokers = n }
}

// WithTopic creates topic with the given number of partitions when the
// cluster starts. It may be given several times, once per topic.
func WithTopic(name string, partitions int) Option {
	return func(c *config) { c.topics = append(c.topics, topicSpec{name, partitions}) }
}

// WithAutoCreateTopics makes the brokers create a topic with the given
// number of partitions the first time a client asks for it, as a broker
// with auto.create.topics.enable=true does. By default an unknown topic is
// answered UNKNOWN_TOPIC_OR_PARTITION.
func WithAutoCreateTopics(partitions int) Option {
	return func(c *config) { c.autoCreate = partitions }
}

// WithLogger logs what the cluster does to l: each request a broker
// receives (Debug), each fault applied by a delay or a drop, each broker
// stopped or started and each leader moved (Info), and kfake's own lines
// at their levels. By default the cluster logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

func (c *config) validate() error {
	if c.brokers < 1 {
		return fmt.Errorf("kprodtest: WithBrokers(%d): a cluster needs at least one broker", c.brokers)
	}
	for _, t := range c.topics {
		if t.name == "" {
			return fmt.Errorf("kprodtest: WithTopic: empty topic name")
		}
		if t.partitions < 1 {
			return fmt.Errorf("kprodtest: WithTopic(%q, %d): a topic needs at least one partition", t.name, t.partitions)
		}
	}
	if c.autoCreate < 0 {
		return fmt.Errorf("kprodtest: WithAutoCreateTopics(%d): negative partition count", c.autoCreate)
	}
	return nil
}

// slogLogger hands kfake's logs to a slog.Logger.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	var l slog.Level
	switch level {
	case kfake.LogLevelError:
		l = slog.LevelError
	case kfake.LogLevelWarn:
		l = slog.LevelWarn
	case kfake.LogLevelInfo:
		l = slog.LevelInfo
	default:
		l = slog.LevelDebug
	}
	if !s.l.Enabled(context.Background(), l) {
		return
	}
	s.l.Log(context.Background(), l, fmt.Sprintf(format, args...), "component", "kprodtest")
}
