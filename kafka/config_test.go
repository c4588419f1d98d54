package kafka_test

import (
	"testing"

	"github.com/kprod-go/kprod/kafka"
	"github.com/stretchr/testify/require"
)

func TestConfigMapSetKeySetAndGet(t *testing.T) {
	m := kafka.ConfigMap{}
	require.NoError(t, m.SetKey("bootstrap.servers", "a:9092"))
	require.NoError(t, m.Set("linger.ms=10"))
	require.NoError(t, m.Set("client.id=a=b"), "the value is everything after the first =")
	require.NoError(t, m.SetKey("{topic}.acks", 1))

	v, err := m.Get("linger.ms", "")
	require.NoError(t, err)
	require.Equal(t, "10", v, "Set stores strings")
	v, err = m.Get("client.id", nil)
	require.NoError(t, err)
	require.Equal(t, "a=b", v)
	v, err = m.Get("{topic}.acks", 0)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.Equal(t, kafka.ConfigMap{"acks": 1}, m["default.topic.config"])
	v, err = m.Get("not.set", 42)
	require.NoError(t, err)
	require.Equal(t, 42, v, "the default for a key not set")
	v, err = m.Get("{topic}.not.set", "d")
	require.NoError(t, err)
	require.Equal(t, "d", v)
}

func TestConfigMapErrors(t *testing.T) {
	m := kafka.ConfigMap{"linger.ms": "10"}
	err := m.Set("no-equals-sign")
	require.Error(t, err)
	require.Equal(t, kafka.ErrInvalidArg, err.(kafka.Error).Code())
	require.Equal(t, "Expected key=value", err.Error())

	_, err = m.Get("linger.ms", 5)
	require.Error(t, err)
	require.Equal(t, kafka.ErrInvalidArg, err.(kafka.Error).Code())
	require.Equal(t, "linger.ms expects type int, not string", err.Error())
}

func TestNewProducerReadsTheGoPropertiesWithConfluentKafkaGosTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf kafka.ConfigMap
		code kafka.ErrorCode
		text string
	}{
		{"go.events.channel.size as a string", kafka.ConfigMap{"go.events.channel.size": "10"}, kafka.ErrInvalidArg, "go.events.channel.size expects type int, not string"},
		{"go.produce.channel.size as an int64", kafka.ConfigMap{"go.produce.channel.size": int64(10)}, kafka.ErrInvalidArg, "go.produce.channel.size expects type int, not int64"},
		{"go.delivery.reports as a string", kafka.ConfigMap{"go.delivery.reports": "false"}, kafka.ErrInvalidArg, "go.delivery.reports expects type bool, not string"},
		{"an unknown go.delivery.report.fields", kafka.ConfigMap{"go.delivery.report.fields": "key,offset"}, kafka.ErrInvalidArg, "go.delivery.report.fields: unknown message field: offset"},
		{"go.logs.channel of another type", kafka.ConfigMap{"go.logs.channel": make(chan string)}, kafka.ErrInvalidArg, "go.logs.channel expects type chan kafka.LogEvent, not chan string"},
		{"delivery.report.only.error=true", kafka.ConfigMap{"delivery.report.only.error": true}, kafka.ErrUnsupportedFeature, "delivery.report.only.error=true is not currently supported by the Go client"},
		{"delivery.report.only.error=\"true\" as a string", kafka.ConfigMap{"delivery.report.only.error": "true"}, kafka.ErrUnsupportedFeature, "delivery.report.only.error=true is not currently supported by the Go client"},
		{"a nested ConfigMap other than default.topic.config", kafka.ConfigMap{"foo": kafka.ConfigMap{}}, kafka.ErrInvalidArg, "Invalid type for key foo"},
		{"an unknown property", kafka.ConfigMap{"no.such.property": 1}, kafka.ErrInvalidArg, ""},
		{"a value out of range", kafka.ConfigMap{"linger.ms": -5}, kafka.ErrInvalidArg, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := kafka.ConfigMap{"bootstrap.servers": "127.0.0.1:1"}
			for k, v := range tc.conf {
				conf[k] = v
			}
			p, err := kafka.NewProducer(&conf)
			require.Nil(t, p)
			require.Error(t, err)
			ke, ok := err.(kafka.Error)
			require.True(t, ok, "got %T, want kafka.Error", err)
			require.Equal(t, tc.code, ke.Code())
			if tc.text != "" {
				require.Equal(t, tc.text, ke.Error())
			}
		})
	}
}

func TestNewProducerAppliesTheGoPropertiesAndPassesTheRestOn(t *testing.T) {
	logs := make(chan kafka.LogEvent, 5)
	conf := kafka.ConfigMap{
		"bootstrap.servers":         "127.0.0.1:1",
		"go.events.channel.size":    7,
		"go.produce.channel.size":   3,
		"go.delivery.reports":       false,
		"go.delivery.report.fields": "all",
		"go.batch.producer":         true,
		"go.logs.channel.enable":    true,
		"go.logs.channel":           logs,
		"acks":                      []kafka.ConfigValue{"all"},
		"default.topic.config":      kafka.ConfigMap{"message.timeout.ms": 1000},
	}
	before := len(conf)
	p, err := kafka.NewProducer(&conf)
	require.NoError(t, err)
	require.Equal(t, 7, cap(p.Events()))
	require.Equal(t, 3, cap(p.ProduceChannel()))
	require.Equal(t, logs, p.Logs())
	require.Len(t, conf, before, "NewProducer does not change the ConfigMap")
	p.Close()
	logs <- kafka.LogEvent{} // a channel given as go.logs.channel stays open
	checkNoLeaks(t)

	p, err = kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": "127.0.0.1:1"})
	require.NoError(t, err)
	require.Equal(t, 1000000, cap(p.Events()), "confluent-kafka-go's default")
	require.Equal(t, 1000000, cap(p.ProduceChannel()))
	require.Nil(t, p.Logs(), "no Logs without go.logs.channel.enable")
	p.Close()
	checkNoLeaks(t)
}

// TestDeliveryReportOnlyErrorFalseInAnyType: as in confluent-kafka-go, a
// false delivery.report.only.error passes whatever its type (a string from
// a properties file included).
func TestDeliveryReportOnlyErrorFalseInAnyType(t *testing.T) {
	for _, v := range []kafka.ConfigValue{false, "false", "False"} {
		conf := kafka.ConfigMap{"bootstrap.servers": "127.0.0.1:1", "delivery.report.only.error": v}
		p, err := kafka.NewProducer(&conf)
		require.NoError(t, err, "%#v", v)
		p.Close()
	}
}
