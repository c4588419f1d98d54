package kafka

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/kprod-go/kprod/producer"
)

// ConfigValue is a configuration value: a string, bool or int as
// librdkafka's properties take them (other Go types package producer
// accepts, such as int64 or time.Duration for *.ms properties, work too),
// or, for the go.* properties, the type each documents.
type ConfigValue interface{}

// ConfigMap is a producer configuration keyed by librdkafka property names,
// as confluent-kafka-go's kafka.ConfigMap. NewProducer reads the go.*
// properties itself (see NewProducer) and hands the rest to package
// producer, which documents every property it implements (producer.ConfigMap).
//
// A key "{topic}.name" set with SetKey goes into a nested ConfigMap under
// "default.topic.config", as in confluent-kafka-go; NewProducer applies its
// properties as if set at the top level, where they win over the same
// property set there.
type ConfigMap map[string]ConfigValue

// topicPrefix marks a topic property in SetKey and Get.
const topicPrefix = "{topic}."

// defaultTopicConfig is the key of the nested topic configuration.
const defaultTopicConfig = "default.topic.config"

// SetKey sets property key to value. It returns nil: NewProducer checks
// names and values. A key starting with "{topic}." goes into the nested
// "default.topic.config" map without its prefix.
func (m ConfigMap) SetKey(key string, value ConfigValue) error {
	if name, ok := strings.CutPrefix(key, topicPrefix); ok {
		sub, found := m[defaultTopicConfig].(ConfigMap)
		if !found {
			sub = ConfigMap{}
			m[defaultTopicConfig] = sub
		}
		sub[name] = value
		return nil
	}
	m[key] = value
	return nil
}

// Set sets a property from "key=value" (the value a string), the form of a
// command-line flag. A string without "=" fails with ErrInvalidArg.
func (m ConfigMap) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return newErrorStr(ErrInvalidArg, "Expected key=value")
	}
	return m.SetKey(k, v)
}

// Get returns the value of key ("{topic}.name" reads the nested topic
// configuration), or defval when it is not set. When defval is not nil and
// the value's type differs from defval's, Get fails with ErrInvalidArg.
func (m ConfigMap) Get(key string, defval ConfigValue) (ConfigValue, error) {
	if name, ok := strings.CutPrefix(key, topicPrefix); ok {
		sub, found := m[defaultTopicConfig].(ConfigMap)
		if !found {
			return defval, nil
		}
		return sub.Get(name, defval)
	}
	v, ok := m[key]
	if !ok {
		return defval, nil
	}
	if defval != nil && reflect.TypeOf(defval) != reflect.TypeOf(v) {
		return nil, newErrorStr(ErrInvalidArg, fmt.Sprintf("%s expects type %T, not %T", key, defval, v))
	}
	return v, nil
}

// extract is Get that also deletes the key.
func (m ConfigMap) extract(key string, defval ConfigValue) (ConfigValue, error) {
	v, err := m.Get(key, defval)
	if err != nil {
		return nil, err
	}
	delete(m, key)
	return v, nil
}

// goConfig is what NewProducer reads from the go.* properties.
type goConfig struct {
	deliveryReports bool          // go.delivery.reports
	fields          reportFields  // go.delivery.report.fields
	eventsSize      int           // go.events.channel.size
	produceSize     int           // go.produce.channel.size
	logsEnable      bool          // go.logs.channel.enable
	logsChan        chan LogEvent // go.logs.channel
}

// reportFields says which of a message's fields its delivery report keeps.
type reportFields struct{ key, value, headers bool }

// parseReportFields reads go.delivery.report.fields: "all", "none" (or
// empty), or a comma-separated list of key, value and headers.
func parseReportFields(s string) (reportFields, error) {
	switch s {
	case "all":
		return reportFields{true, true, true}, nil
	case "", "none":
		return reportFields{}, nil
	}
	var f reportFields
	for _, name := range strings.Split(s, ",") {
		switch name {
		case "key":
			f.key = true
		case "value":
			f.value = true
		case "headers":
			f.headers = true
		default:
			return f, newErrorStr(ErrInvalidArg, fmt.Sprintf("go.delivery.report.fields: unknown message field: %s", name))
		}
	}
	return f, nil
}

// split separates the go.* properties, with confluent-kafka-go's types and
// defaults, from the properties for package producer, and flattens
// default.topic.config. It does not change m.
func (m ConfigMap) split() (goConfig, producer.ConfigMap, error) {
	g := goConfig{}
	c := make(ConfigMap, len(m))
	for k, v := range m {
		c[k] = v
	}
	// As confluent-kafka-go, whatever the value's type: a string such as
	// "false" from a properties file passes, and only true is refused.
	only := c["delivery.report.only.error"]
	delete(c, "delivery.report.only.error")
	if s, ok := only.(string); ok {
		only = strings.EqualFold(strings.TrimSpace(s), "true")
	}
	if only == true {
		return g, nil, newErrorStr(ErrUnsupportedFeature, "delivery.report.only.error=true is not currently supported by the Go client")
	}
	if _, err := c.extract("go.batch.producer", false); err != nil {
		return g, nil, err
	}
	v, err := c.extract("go.delivery.reports", true)
	if err != nil {
		return g, nil, err
	}
	g.deliveryReports = v.(bool)
	if v, err = c.extract("go.delivery.report.fields", "key,value"); err != nil {
		return g, nil, err
	}
	if g.fields, err = parseReportFields(v.(string)); err != nil {
		return g, nil, err
	}
	if v, err = c.extract("go.events.channel.size", 1000000); err != nil {
		return g, nil, err
	}
	g.eventsSize = v.(int)
	if v, err = c.extract("go.produce.channel.size", 1000000); err != nil {
		return g, nil, err
	}
	g.produceSize = v.(int)
	if g.eventsSize < 0 || g.produceSize < 0 {
		return g, nil, newErrorStr(ErrInvalidArg, "go.events.channel.size and go.produce.channel.size must not be negative")
	}
	if v, err = c.extract("go.logs.channel.enable", false); err != nil {
		return g, nil, err
	}
	g.logsEnable = v.(bool)
	if v, err = c.extract("go.logs.channel", nil); err != nil {
		return g, nil, err
	}
	if v != nil {
		ch, ok := v.(chan LogEvent)
		if !ok {
			return g, nil, newErrorStr(ErrInvalidArg, fmt.Sprintf("go.logs.channel expects type chan kafka.LogEvent, not %T", v))
		}
		g.logsChan = ch
	}

	pc := make(producer.ConfigMap, len(c)+1)
	var topicConf ConfigMap
	for k, v := range c {
		if sub, ok := v.(ConfigMap); ok {
			if k != defaultTopicConfig {
				return g, nil, newErrorStr(ErrInvalidArg, fmt.Sprintf("Invalid type for key %s", k))
			}
			topicConf = sub
			continue
		}
		pv, err := producerValue(k, v)
		if err != nil {
			return g, nil, err
		}
		pc[k] = pv
	}
	for k, v := range topicConf {
		pv, err := producerValue(k, v)
		if err != nil {
			return g, nil, err
		}
		pc[k] = pv
	}
	if g.logsEnable {
		pc["go.logs.channel.enable"] = true // the producer's own channel, forwarded
	}
	return g, pc, nil
}

// producerValue converts a value for package producer: a list becomes the
// comma-separated string confluent-kafka-go makes of it; anything else
// goes as it is, for producer.New to check.
func producerValue(key string, v ConfigValue) (any, error) {
	list, ok := v.([]ConfigValue)
	if !ok {
		return v, nil
	}
	parts := make([]string, len(list))
	for i, e := range list {
		switch e := e.(type) {
		case string:
			parts[i] = e
		case bool, int:
			parts[i] = fmt.Sprint(e)
		case fmt.Stringer:
			parts[i] = e.String()
		default:
			return nil, newErrorStr(ErrInvalidArg, fmt.Sprintf("Invalid value type %T for key %s (expected string,bool,int,ConfigMap)", v, key))
		}
	}
	return strings.Join(parts, ","), nil
}
