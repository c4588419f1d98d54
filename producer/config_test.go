package producer

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/sender"
	"github.com/kprod-go/kprod/internal/tlsconf"
)

// withBroker returns a ConfigMap holding a bootstrap server and kv pairs.
func withBroker(kv ...any) ConfigMap {
	m := ConfigMap{"bootstrap.servers": "localhost:9092"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func mustParse(t testing.TB, m ConfigMap) *config {
	t.Helper()
	c, err := parseConfig(m)
	if err != nil {
		t.Fatalf("parseConfig(%v): %v", m, err)
	}
	return c
}

// parseError parses m, which must fail, and returns the error as an Error.
func parseError(t testing.TB, m ConfigMap) Error {
	t.Helper()
	c, err := parseConfig(m)
	if err == nil {
		t.Fatalf("parseConfig(%v) = %+v, want an error", m, c)
	}
	if c != nil {
		t.Errorf("parseConfig(%v) returned a config with error %v", m, err)
	}
	var e Error
	if !errors.As(err, &e) {
		t.Fatalf("parseConfig(%v) error %v is a %T, want an Error", m, err, err)
	}
	return e
}

func wantError(t testing.TB, m ConfigMap, code ErrorCode, msg string) {
	t.Helper()
	e := parseError(t, m)
	if e.Code() != code || e.Error() != msg {
		t.Errorf("parseConfig(%v) error = %v %q, want %v %q", m, e.Code(), e.Error(), code, msg)
	}
}

// supported returns the properties New accepts and parses: implemented,
// or without effect in kprod.
func supported() []*property {
	var ps []*property
	for i := range properties {
		if properties[i].unsupported == "" && properties[i].ignored == "" {
			ps = append(ps, &properties[i])
		}
	}
	return ps
}

func TestConfigDefaultsAreLibrdkafkas(t *testing.T) {
	got := mustParse(t, withBroker())
	want := &config{
		snd: sender.Config{
			Acks:                -1,
			MaxInFlight:         1000000,
			Retries:             2147483647,
			RetryBackoff:        100 * time.Millisecond,
			RetryBackoffMax:     1000 * time.Millisecond,
			RequestTimeout:      30000 * time.Millisecond,
			MessageTimeout:      300000 * time.Millisecond,
			Idempotent:          false,
			Gapless:             false,
			ReconnectBackoff:    100 * time.Millisecond,
			ReconnectBackoffMax: 10000 * time.Millisecond,
			Broker: broker.Config{
				ClientID:       "rdkafka",
				RequestTimeout: 60000 * time.Millisecond,
				MaxResponse:    100000000,
				KeepAlive:      false,
				DialTimeout:    30000 * time.Millisecond,
				Network:        "tcp",
				Nagle:          false,
				SendBuffer:     0,
				ReceiveBuffer:  0,
				// api.version.request.timeout.ms
				ApiVersionsTimeout: 10000 * time.Millisecond,
			},
		},
		bootstrapServers:        []string{"localhost:9092"},
		linger:                  5 * time.Millisecond,
		batchSize:               1000000,
		batchNumMessages:        10000,
		queueMaxMessages:        100000,
		queueMaxKBytes:          1048576,
		messageMaxBytes:         1000000,
		metadataRefreshInterval: 300000 * time.Millisecond,
		metadataMaxAge:          900000 * time.Millisecond,
		metadataRefreshFast:     100 * time.Millisecond,
		metadataPropagationMax:  30000 * time.Millisecond,
		allowAutoCreateTopics:   true,
		partitioner:             "consistent_random",
		stickyLinger:            10 * time.Millisecond,
		partitionerAdaptive:     true,
		partitionerIgnoreKeys:   false,
		compressionType:         "none",
		compressionLevel:        -1,
		deliveryReportOnlyError: false,
		socketMaxFails:          1,
		goDeliveryReports:       true,
		backpressureThreshold:   1,
		debug:                   nil,
		logLevel:                6,
		logsChannelEnable:       false,
		sec: security{
			protocol:    "plaintext",
			tls:         tlsconf.Properties{Verify: true, EndpointIdentification: "https"},
			mechanism:   "GSSAPI",
			oauthMethod: "default",
			grantType:   "client_credentials",
		},
		statisticsInterval: 0,
		queuingStrategy:    "fifo",
		transactionalID:    "",
		transactionTimeout: 60000 * time.Millisecond,
		// confluent-kafka-go's defaults
		goDeliveryReportFields: "key,value",
		goEventsChannelSize:    1000000,
		goProduceChannelSize:   1000000,
		set:                    map[string]bool{"bootstrap.servers": true},
		setAs:                  map[string]string{"bootstrap.servers": "bootstrap.servers"},
		values:                 map[string]string{},
	}
	if !reflect.DeepEqual(got, want) {
		gv, wv := reflect.ValueOf(*got), reflect.ValueOf(*want)
		for i := range gv.NumField() {
			if g, w := fmt.Sprintf("%+v", gv.Field(i)), fmt.Sprintf("%+v", wv.Field(i)); g != w {
				t.Errorf("default %s = %v, want %v", gv.Type().Field(i).Name, gv.Field(i), wv.Field(i))
			}
		}
	}
}

// validSamples returns values in p's canonical form that p accepts.
func validSamples(t *testing.T, p *property) []any {
	t.Helper()
	def, err := p.parse(p.name, p.def)
	if err != nil {
		t.Fatalf("default of %s: %v", p.name, err)
	}
	var vs []any
	switch p.kind {
	case kindInt, kindMs:
		vs = []any{p.min, p.max, def}
	case kindFloatMs:
		vs = []any{float64(p.min), float64(p.max), def, 1.5, 0.25}
	case kindBool:
		vs = []any{true, false}
	case kindString:
		vs = []any{"x", "rdkafka", ""}
		if p.name == "go.delivery.report.fields" {
			vs = []any{"key,value", "all", "none", "", "headers, key"}
		}
	case kindEnum:
		for _, v := range p.values {
			vs = append(vs, v)
		}
	}
	if p.only != "" {
		vs = slices.DeleteFunc(vs, func(v any) bool { return formatValue(v) != p.only })
	}
	return vs
}

// forms returns the ways a user may write the canonical value v of p.
func forms(p *property, v any) []any {
	switch x := v.(type) {
	case int64:
		fs := []any{strconv.FormatInt(x, 10), " " + strconv.FormatInt(x, 10) + " ", int(x), x, float64(x)}
		if x == int64(int32(x)) {
			fs = append(fs, int32(x))
		}
		if x == int64(int16(x)) {
			fs = append(fs, int16(x))
		}
		if x == int64(int8(x)) {
			fs = append(fs, int8(x))
		}
		if x >= 0 {
			fs = append(fs, uint(x), uint64(x))
			if x == int64(uint32(x)) {
				fs = append(fs, uint32(x))
			}
			if x == int64(uint8(x)) {
				fs = append(fs, uint8(x))
			}
		}
		if float64(float32(x)) == float64(x) {
			fs = append(fs, float32(x))
		}
		if p.kind == kindMs {
			fs = append(fs, time.Duration(x)*time.Millisecond)
		}
		for name, n := range p.symbols {
			if n == x {
				fs = append(fs, name, strings.ToUpper(name))
			}
		}
		return fs
	case float64:
		fs := []any{strconv.FormatFloat(x, 'f', -1, 64), x, time.Duration(x * float64(time.Millisecond))}
		if float64(float32(x)) == x {
			fs = append(fs, float32(x))
		}
		if x == math.Trunc(x) {
			fs = append(fs, int(x), int64(x))
		}
		return fs
	case bool:
		if x {
			return []any{true, "true", "TRUE", "t", "T", "1", 1, int64(1)}
		}
		return []any{false, "false", "False", "f", "0", 0, uint8(0)}
	case string:
		if p.fold {
			return []any{x, strings.ToUpper(x), " " + x + " "}
		}
		return []any{x}
	}
	panic(fmt.Sprintf("no forms for %T", v))
}

// acceptBase returns a valid configuration that lets key take any value in
// its range: no message timeout (so linger.ms may reach its maximum) and a
// reconnect backoff range as wide as allowed.
func acceptBase(p *property) ConfigMap {
	m := withBroker("delivery.timeout.ms", 0, "reconnect.backoff.ms", 0, "reconnect.backoff.max.ms", 3600000)
	for k := range m {
		if propertyIndex[k] == p {
			delete(m, k)
		}
	}
	if p.name == "enable.gapless.guarantee" {
		m["enable.idempotence"] = true
	}
	return m
}

func TestConfigPropertiesAcceptEveryValidForm(t *testing.T) {
	for _, p := range supported() {
		if p.kind == kindFlags || p.kind == kindBrokers {
			continue // TestConfigDebug, TestConfigBootstrapServers
		}
		for _, want := range validSamples(t, p) {
			for _, form := range forms(p, want) {
				t.Run(fmt.Sprintf("%s accepts %T %v", p.name, form, form), func(t *testing.T) {
					m := acceptBase(p)
					m[p.name] = form
					c := mustParse(t, m)
					if !c.set[p.name] {
						t.Errorf("set[%q] = false, want true", p.name)
					}
					if p.field.get == nil {
						return
					}
					if got := p.field.get(c); got != want {
						t.Errorf("%s = %v (%T), want %v (%T)", p.name, got, got, want, want)
					}
				})
			}
		}
	}
}

func TestConfigPropertiesRejectBadValues(t *testing.T) {
	type rejection struct {
		value  any
		prefix string // the error message starts with prefix
	}
	for _, p := range supported() {
		for _, key := range append([]string{p.name}, p.aliases...) {
			outside := func(v string) string {
				return fmt.Sprintf("Configuration property %q value %s is outside allowed range %d..%d", key, v, p.min, p.max)
			}
			invalid := fmt.Sprintf("Invalid value %q for configuration property %q", "abc", key)
			wrongType := fmt.Sprintf("Invalid value type struct {} for configuration property %q: expected ", key)
			rs := []rejection{
				{nil, fmt.Sprintf("Configuration property %q cannot be set to nil", key)},
				{struct{}{}, wrongType},
			}
			switch p.kind {
			case kindInt, kindMs:
				lo, hi := strconv.FormatInt(p.min-1, 10), strconv.FormatInt(p.max+1, 10)
				rs = append(rs,
					rejection{lo, outside(lo)}, rejection{hi, outside(hi)},
					rejection{p.min - 1, outside(lo)}, rejection{int(p.max + 1), outside(hi)},
					rejection{float64(p.max + 1), outside(hi)},
					rejection{"abc", invalid}, rejection{"", fmt.Sprintf("Invalid value \"\" for configuration property %q", key)},
					rejection{"5abc", fmt.Sprintf("Invalid value \"5abc\" for configuration property %q", key)},
					rejection{1.5, fmt.Sprintf("Invalid value \"1.5\" for configuration property %q: not an integer", key)},
					rejection{true, fmt.Sprintf("Invalid value type bool for configuration property %q", key)},
					rejection{"99999999999999999999", outside("99999999999999999999")},
					rejection{"9999999999999999", outside("9999999999999999")},
					rejection{uint64(math.MaxUint64), outside("18446744073709551615")},
					rejection{1e300, outside("1e+300")},
				)
				if p.kind == kindMs {
					rs = append(rs,
						rejection{time.Duration(p.min-1) * time.Millisecond, outside(lo)},
						rejection{time.Duration(p.max+1) * time.Millisecond, outside(hi)},
						rejection{time.Millisecond + time.Microsecond,
							fmt.Sprintf("Invalid value \"1.001ms\" for configuration property %q: not a whole number of milliseconds", key)})
				} else {
					rs = append(rs, rejection{time.Second, fmt.Sprintf("Invalid value type time.Duration for configuration property %q", key)})
				}
			case kindFloatMs:
				rs = append(rs,
					rejection{"-0.5", outside("-0.5")}, rejection{"900000.1", outside("900000.1")},
					rejection{-time.Microsecond, outside("-0.001")}, rejection{p.max + 1, outside(strconv.FormatInt(p.max+1, 10))},
					rejection{"1e400", outside("1e400")}, rejection{1e300, outside("1e+300")},
					rejection{uint64(math.MaxUint64), outside("18446744073709551615")},
					rejection{"abc", invalid}, rejection{"NaN", fmt.Sprintf("Invalid value \"NaN\" for configuration property %q", key)},
					rejection{math.Inf(1), fmt.Sprintf("Invalid value \"+Inf\" for configuration property %q", key)},
					rejection{true, fmt.Sprintf("Invalid value type bool for configuration property %q", key)},
				)
			case kindBool:
				rs = append(rs,
					rejection{"abc", invalid + ": expected true or false"},
					rejection{"yes", fmt.Sprintf("Invalid value \"yes\" for configuration property %q: expected true or false", key)},
					rejection{2, fmt.Sprintf("Invalid value \"2\" for configuration property %q: expected true or false", key)},
					rejection{1.0, fmt.Sprintf("Invalid value type float64 for configuration property %q", key)},
				)
			case kindEnum:
				rs = append(rs,
					rejection{"abc", invalid},
					rejection{5, fmt.Sprintf("Invalid value type int for configuration property %q: expected string", key)},
				)
			case kindString, kindFlags, kindBrokers:
				rs = append(rs, rejection{5, fmt.Sprintf("Invalid value type int for configuration property %q: expected string", key)})
			}
			for _, r := range rs {
				t.Run(fmt.Sprintf("%s rejects %T %v", key, r.value, r.value), func(t *testing.T) {
					m := acceptBase(p)
					m[key] = r.value
					e := parseError(t, m)
					if e.Code() != ErrInvalidArg {
						t.Errorf("code = %v, want ErrInvalidArg", e.Code())
					}
					if !strings.HasPrefix(e.Error(), r.prefix) {
						t.Errorf("error = %q, want it to start with %q", e.Error(), r.prefix)
					}
					if !strings.Contains(e.Error(), strconv.Quote(key)) {
						t.Errorf("error = %q does not name %q", e.Error(), key)
					}
					if !errors.Is(e, ErrInvalidArg) {
						t.Errorf("errors.Is(%v, ErrInvalidArg) = false", e)
					}
				})
			}
		}
	}
}

func TestConfigAliasesSetTheSameProperty(t *testing.T) {
	for _, p := range supported() {
		for _, alias := range p.aliases {
			t.Run(fmt.Sprintf("%s is an alias of %s", alias, p.name), func(t *testing.T) {
				v := aliasValue(t, p)
				m := acceptBase(p)
				m[alias] = v
				viaAlias := mustParse(t, m)
				delete(m, alias)
				m[p.name] = v
				viaName := mustParse(t, m)
				if viaAlias.setAs[p.name] != alias || !viaAlias.set[p.name] {
					t.Errorf("set via %s: set = %v, setAs = %v", alias, viaAlias.set, viaAlias.setAs)
				}
				viaAlias.setAs, viaName.setAs = nil, nil
				if !reflect.DeepEqual(viaAlias, viaName) {
					t.Errorf("config set via %s = %+v, via %s = %+v", alias, viaAlias, p.name, viaName)
				}
			})
			t.Run(fmt.Sprintf("%s and %s both set is an error", alias, p.name), func(t *testing.T) {
				v := aliasValue(t, p)
				m := withBroker(alias, v, p.name, v)
				if p.kind == kindBrokers {
					m = ConfigMap{alias: v, p.name: v}
				}
				keys := []string{alias, p.name}
				slices.Sort(keys)
				wantError(t, m, ErrInvalidArg, fmt.Sprintf(
					"Configuration properties %q and %q are aliases of each other: set only one", keys[0], keys[1]))
			})
		}
	}
}

// aliasValue returns a valid value for p, other than its default where
// possible, written as in a properties file.
func aliasValue(t *testing.T, p *property) string {
	t.Helper()
	if p.kind == kindBrokers {
		return "a:1, b"
	}
	samples := validSamples(t, p)
	return formatValue(samples[len(samples)-1])
}

func TestConfigDerivedValues(t *testing.T) {
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	tests := []struct {
		name  string
		m     ConfigMap
		field func(*config) time.Duration
		want  time.Duration
	}{
		{"sticky linger is twice the default linger when unset", withBroker(),
			func(c *config) time.Duration { return c.stickyLinger }, ms(10)},
		{"sticky linger is twice an explicit linger when unset", withBroker("linger.ms", 20),
			func(c *config) time.Duration { return c.stickyLinger }, ms(40)},
		{"sticky linger is capped at 900000 ms", withBroker("linger.ms", 600000, "delivery.timeout.ms", 0),
			func(c *config) time.Duration { return c.stickyLinger }, ms(900000)},
		{"sticky linger truncates to whole milliseconds like librdkafka", withBroker("linger.ms", "0.3"),
			func(c *config) time.Duration { return c.stickyLinger }, 0},
		{"sticky linger from 1.75 ms linger is 3 ms", withBroker("linger.ms", 1.75),
			func(c *config) time.Duration { return c.stickyLinger }, ms(3)},
		{"sticky linger set explicitly is kept", withBroker("linger.ms", 20, "sticky.partitioning.linger.ms", 7),
			func(c *config) time.Duration { return c.stickyLinger }, ms(7)},
		{"sticky linger set to 0 is kept", withBroker("sticky.partitioning.linger.ms", 0),
			func(c *config) time.Duration { return c.stickyLinger }, 0},
		{"sticky linger comes from linger before the message timeout lowers it", withBroker("delivery.timeout.ms", 3),
			func(c *config) time.Duration { return c.stickyLinger }, ms(10)},
		{"connections to Azure hosts close after 230 s idle", withBroker("bootstrap.servers", "ns.servicebus.windows.net:9093,x.Azure.example:9093"),
			func(c *config) time.Duration { return c.snd.Broker.IdleTimeout }, ms(230000)},
		{"connections.max.idle.ms set explicitly wins over the Azure default", withBroker("bootstrap.servers", "a.azure.example", "connections.max.idle.ms", 0),
			func(c *config) time.Duration { return c.snd.Broker.IdleTimeout }, ms(0)},
		{"metadata max age is three refresh intervals when unset", withBroker("topic.metadata.refresh.interval.ms", 1000),
			func(c *config) time.Duration { return c.metadataMaxAge }, ms(3000)},
		{"metadata max age keeps its default when the refresh is off", withBroker("topic.metadata.refresh.interval.ms", -1),
			func(c *config) time.Duration { return c.metadataMaxAge }, ms(900000)},
		{"metadata max age keeps its default when the refresh interval is 0", withBroker("topic.metadata.refresh.interval.ms", 0),
			func(c *config) time.Duration { return c.metadataMaxAge }, ms(900000)},
		{"metadata max age set explicitly is kept", withBroker("topic.metadata.refresh.interval.ms", 1000, "metadata.max.age.ms", 5),
			func(c *config) time.Duration { return c.metadataMaxAge }, ms(5)},
		{"metadata max age may reach three hours", withBroker("topic.metadata.refresh.interval.ms", 3600000),
			func(c *config) time.Duration { return c.metadataMaxAge }, ms(10800000)},
		{"fast metadata refresh equals retry.backoff.ms when unset", withBroker("retry.backoff.ms", 250),
			func(c *config) time.Duration { return c.metadataRefreshFast }, ms(250)},
		{"fast metadata refresh may exceed its own range when derived", withBroker("retry.backoff.ms", 300000),
			func(c *config) time.Duration { return c.metadataRefreshFast }, ms(300000)},
		{"fast metadata refresh set explicitly is kept", withBroker("retry.backoff.ms", 250, "topic.metadata.refresh.fast.interval.ms", 50),
			func(c *config) time.Duration { return c.metadataRefreshFast }, ms(50)},
		{"a default linger is lowered below a shorter message timeout", withBroker("delivery.timeout.ms", 3),
			func(c *config) time.Duration { return c.linger }, ms(2.9)},
		{"a default linger is lowered below an equal message timeout", withBroker("message.timeout.ms", 5),
			func(c *config) time.Duration { return c.linger }, ms(4.9)},
		{"a default linger stays below a longer message timeout", withBroker("delivery.timeout.ms", 6),
			func(c *config) time.Duration { return c.linger }, ms(5)},
		{"an explicit linger under the message timeout is kept", withBroker("linger.ms", 9.5, "delivery.timeout.ms", 10),
			func(c *config) time.Duration { return c.linger }, ms(9.5)},
		{"an infinite message timeout allows any linger", withBroker("linger.ms", 900000, "delivery.timeout.ms", 0),
			func(c *config) time.Duration { return c.linger }, ms(900000)},
		{"linger keeps microseconds from a duration", withBroker("linger.ms", 1500*time.Microsecond),
			func(c *config) time.Duration { return c.linger }, 1500 * time.Microsecond},
		{"linger keeps a fraction from a string", withBroker("linger.ms", "0.25"),
			func(c *config) time.Duration { return c.linger }, 250 * time.Microsecond},
		{"retry backoff max below retry backoff is allowed and kept", withBroker("retry.backoff.ms", 500, "retry.backoff.max.ms", 200),
			func(c *config) time.Duration { return c.snd.RetryBackoffMax }, ms(200)},
		{"retry backoff is kept when its max is lower", withBroker("retry.backoff.ms", 500, "retry.backoff.max.ms", 200),
			func(c *config) time.Duration { return c.snd.RetryBackoff }, ms(500)},
		{"reconnect backoff max may equal the backoff", withBroker("reconnect.backoff.ms", 300, "reconnect.backoff.max.ms", 300),
			func(c *config) time.Duration { return c.snd.ReconnectBackoffMax }, ms(300)},
		{"a negative refresh interval duration turns the refresh off", withBroker("topic.metadata.refresh.interval.ms", -time.Millisecond),
			func(c *config) time.Duration { return c.metadataRefreshInterval }, ms(-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.field(mustParse(t, tt.m)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfigConflicts(t *testing.T) {
	tests := []struct {
		name string
		m    ConfigMap
		msg  string
	}{
		{"an explicit linger equal to the message timeout is an error",
			withBroker("linger.ms", 10, "delivery.timeout.ms", 10), "`message.timeout.ms` must be greater than `linger.ms`"},
		{"an explicit linger above the message timeout is an error",
			withBroker("queue.buffering.max.ms", 400000), "`message.timeout.ms` must be greater than `linger.ms`"},
		{"an explicit fractional linger above the message timeout is an error",
			withBroker("linger.ms", "10.5", "message.timeout.ms", 10), "`message.timeout.ms` must be greater than `linger.ms`"},
		{"reconnect backoff max below reconnect backoff is an error",
			withBroker("reconnect.backoff.ms", 300, "reconnect.backoff.max.ms", 299), "`reconnect.backoff.max.ms` must be >= `reconnect.backoff.ms`"},
		{"a default reconnect backoff max below an explicit backoff is an error",
			withBroker("reconnect.backoff.ms", 20000), "`reconnect.backoff.max.ms` must be >= `reconnect.backoff.ms`"},
		{"gapless guarantee without idempotence is an error",
			withBroker("enable.gapless.guarantee", true), "`enable.gapless.guarantee` requires `enable.idempotence` to be enabled"},
		{"gapless guarantee with idempotence explicitly off is an error",
			withBroker("enable.gapless.guarantee", "true", "enable.idempotence", false), "`enable.gapless.guarantee` requires `enable.idempotence` to be enabled"},
		{"more than 5 in flight with idempotence is an error",
			withBroker("enable.idempotence", true, "max.in.flight.requests.per.connection", 6), "`max.in.flight` must be set <= 5 when `enable.idempotence` is true"},
		{"more than 5 in flight via the alias with idempotence is an error",
			withBroker("enable.idempotence", true, "max.in.flight", 1000000), "`max.in.flight` must be set <= 5 when `enable.idempotence` is true"},
		{"zero retries with idempotence is an error",
			withBroker("enable.idempotence", true, "retries", 0), "`retries` must be set >= 1 when `enable.idempotence` is true"},
		{"zero retries via the alias with idempotence is an error",
			withBroker("enable.idempotence", true, "message.send.max.retries", "0"), "`retries` must be set >= 1 when `enable.idempotence` is true"},
		{"acks 1 with idempotence is an error",
			withBroker("enable.idempotence", true, "acks", 1), "`acks` must be set to `all` when `enable.idempotence` is true"},
		{"acks 0 via the alias with idempotence is an error",
			withBroker("enable.idempotence", true, "request.required.acks", "0"), "`acks` must be set to `all` when `enable.idempotence` is true"},
		{"a backpressure threshold above 1 with idempotence is an error",
			withBroker("enable.idempotence", true, "queue.buffering.backpressure.threshold", 2),
			"`queue.buffering.backpressure.threshold` must be set to 1 when `enable.idempotence` is true"},
		{"in-flight is checked before retries, as in librdkafka",
			withBroker("enable.idempotence", true, "max.in.flight", 6, "retries", 0, "acks", 0), "`max.in.flight` must be set <= 5 when `enable.idempotence` is true"},
		{"a missing bootstrap.servers is an error",
			ConfigMap{}, `Configuration property "bootstrap.servers" must be set`},
		{"an empty bootstrap.servers is an error",
			ConfigMap{"bootstrap.servers": " , "}, `Configuration property "bootstrap.servers" must be set`},
		{"an empty metadata.broker.list is an error naming it",
			ConfigMap{"metadata.broker.list": ""}, `Configuration property "metadata.broker.list" must be set`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.m, ErrInvalidArg, tt.msg) })
	}
}

func TestConfigIdempotence(t *testing.T) {
	tests := []struct {
		name                       string
		m                          ConfigMap
		maxInFlight, retries, acks int
		backpressure               int
	}{
		{"idempotence forces unset in-flight to 5, acks to all and retries to INT32_MAX",
			withBroker("enable.idempotence", true), 5, math.MaxInt32, -1, 1},
		{"idempotence keeps an explicit in-flight of 5",
			withBroker("enable.idempotence", "true", "max.in.flight", 5), 5, math.MaxInt32, -1, 1},
		{"idempotence keeps an explicit in-flight below 5",
			withBroker("enable.idempotence", "true", "max.in.flight.requests.per.connection", 3), 3, math.MaxInt32, -1, 1},
		{"idempotence keeps explicit retries of at least 1",
			withBroker("enable.idempotence", true, "retries", 1), 5, 1, -1, 1},
		{"idempotence keeps explicit acks all",
			withBroker("enable.idempotence", true, "acks", "all"), 5, math.MaxInt32, -1, 1},
		{"idempotence keeps explicit acks -1",
			withBroker("enable.idempotence", true, "request.required.acks", -1), 5, math.MaxInt32, -1, 1},
		{"idempotence keeps an explicit backpressure threshold of 1",
			withBroker("enable.idempotence", true, "queue.buffering.backpressure.threshold", 1), 5, math.MaxInt32, -1, 1},
		{"idempotence with gapless guarantee is allowed",
			withBroker("enable.idempotence", true, "enable.gapless.guarantee", true), 5, math.MaxInt32, -1, 1},
		{"without idempotence nothing is forced",
			withBroker("max.in.flight", 100, "retries", 0, "acks", 0), 100, 0, 0, 1},
		{"gapless guarantee false without idempotence is allowed",
			withBroker("enable.gapless.guarantee", false), 1000000, math.MaxInt32, -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.m)
			if c.snd.MaxInFlight != tt.maxInFlight || c.snd.Retries != tt.retries || int(c.snd.Acks) != tt.acks || c.backpressureThreshold != tt.backpressure {
				t.Errorf("in-flight, retries, acks, backpressure = %d, %d, %d, %d; want %d, %d, %d, %d",
					c.snd.MaxInFlight, c.snd.Retries, c.snd.Acks, c.backpressureThreshold, tt.maxInFlight, tt.retries, tt.acks, tt.backpressure)
			}
		})
	}
}

func TestConfigUnknownAndUnsupported(t *testing.T) {
	tests := []struct {
		name string
		m    ConfigMap
		code ErrorCode
		msg  string
	}{
		{"an unknown property is an error", withBroker("foo", "bar"),
			ErrInvalidArg, `No such configuration property: "foo"`},
		{"a typo gets the closest name suggested", withBroker("linger.m", 5),
			ErrInvalidArg, `No such configuration property: "linger.m" (did you mean linger.ms?)`},
		{"several names at the same distance are suggested in order", withBroker("retry.backoff.ms.max", 5),
			ErrInvalidArg, `No such configuration property: "retry.backoff.ms.max" (did you mean retry.backoff.max.ms or retry.backoff.ms?)`},
		{"property names are case-sensitive", withBroker("Linger.ms", 5),
			ErrInvalidArg, `No such configuration property: "Linger.ms" (did you mean linger.ms?)`},
		{"a backpressure threshold above 1 is refused with the reason", withBroker("queue.buffering.backpressure.threshold", 2),
			ErrNotImplemented, `Configuration property "queue.buffering.backpressure.threshold" value "2" is not supported by kprod yet: only "1" is: kprod builds a produce request only when its connection can take it, which is a threshold of 1`},
		{"a callback property is refused naming kprod's way", withBroker("dr_msg_cb", "x"),
			ErrNotImplemented, `Configuration property "dr_msg_cb" is not supported by kprod yet: a librdkafka callback set through its own function: kprod reports deliveries through Poll, a delivery channel or Events`},
		{"api.version.request=false is refused", withBroker("api.version.request", false),
			ErrNotImplemented, `Configuration property "api.version.request" value "false" is not supported by kprod yet: only "true" is: kprod needs brokers that answer ApiVersions (Kafka 0.10 and later)`},
		{"a property without a config field is range-checked", withBroker("broker.address.ttl", -1),
			ErrInvalidArg, `Configuration property "broker.address.ttl" value -1 is outside allowed range 0..86400000`},
		{"builtin.features naming a feature kprod lacks is invalid", withBroker("builtin.features", "gzip,sasl_gssapi"),
			ErrInvalidArg, `Invalid value "sasl_gssapi" for configuration property "builtin.features"`},
		{"go.delivery.report.fields takes only known fields", withBroker("go.delivery.report.fields", "key,offset"),
			ErrInvalidArg, `Invalid value "key,offset" for configuration property "go.delivery.report.fields": expected all, none or a comma-separated subset of key, value, headers`},
		{"Java's partitioner.availability.timeout.ms is unknown, as in librdkafka", withBroker("partitioner.availability.timeout.ms", 1000),
			ErrInvalidArg, `No such configuration property: "partitioner.availability.timeout.ms"`},
		{"Kerberos properties are not implemented", withBroker("sasl.kerberos.service.name", "kafka"),
			ErrNotImplemented, `Configuration property "sasl.kerberos.service.name" is not supported by kprod yet: GSSAPI (Kerberos) is not implemented`},
		{"the jwt-bearer grant is not implemented", withBroker("sasl.oauthbearer.grant.type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
			ErrNotImplemented, `Configuration property "sasl.oauthbearer.grant.type" value "urn:ietf:params:oauth:grant-type:jwt-bearer" is not supported by kprod yet: only "client_credentials" is: the jwt-bearer grant is not implemented`},
		{"a broker whose prefix is not security.protocol is an error", ConfigMap{"bootstrap.servers": "a:1,SSL://b:2"},
			ErrInvalidArg, `Configuration property "bootstrap.servers": broker "b:2" uses protocol ssl, but security.protocol is plaintext`},
		{"an unknown security.protocol is invalid", withBroker("security.protocol", "tls"),
			ErrInvalidArg, `Invalid value "tls" for configuration property "security.protocol"`},
		{"statistics.interval.ms out of range is a range error first", withBroker("statistics.interval.ms", 86400001),
			ErrInvalidArg, `Configuration property "statistics.interval.ms" value 86400001 is outside allowed range 0..86400000`},
		{"lifo queuing is not implemented", withBroker("queuing.strategy", "lifo"),
			ErrNotImplemented, `Configuration property "queuing.strategy" value "lifo" is not supported by kprod yet: only "fifo" is: kprod sends each partition's messages in the order produced (lifo is deprecated and experimental in librdkafka)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.m, tt.code, tt.msg) })
	}
	for _, p := range properties {
		if p.unsupported == "" {
			continue
		}
		t.Run(p.name+" fails with ErrNotImplemented", func(t *testing.T) {
			e := parseError(t, withBroker(p.name, "x"))
			if e.Code() != ErrNotImplemented || !strings.Contains(e.Error(), strconv.Quote(p.name)) {
				t.Errorf("error = %v %q, want ErrNotImplemented naming %q", e.Code(), e.Error(), p.name)
			}
		})
	}
}

func TestConfigBootstrapServers(t *testing.T) {
	tests := []struct {
		name, value string
		protocol    string // security.protocol, if set
		want        []string
		msg         string // error message, if any
	}{
		{name: "a host without a port gets port 9092", value: "kafka", want: []string{"kafka:9092"}},
		{name: "entries are split on commas and trimmed", value: " a:1 ,b:2,, c ", want: []string{"a:1", "b:2", "c:9092"}},
		{name: "a plaintext prefix is accepted in any case", value: "PLAINTEXT://a:1,plaintext://b", want: []string{"a:1", "b:9092"}},
		{name: "a prefix that is security.protocol is accepted", value: "SASL_SSL://a:1,b", protocol: "sasl_ssl", want: []string{"a:1", "b:9092"}},
		{name: "a bracketed IPv6 address takes a port", value: "[::1]:9093", want: []string{"[::1]:9093"}},
		{name: "a bracketed IPv6 address without a port gets 9092", value: "[fe80::1]", want: []string{"[fe80::1]:9092"}},
		{name: "an IPv4 address keeps its port", value: "127.0.0.1:65535", want: []string{"127.0.0.1:65535"}},
		{name: "port 0 is invalid", value: "a:0",
			msg: `Invalid value "a:0" for configuration property "bootstrap.servers": port must be 1..65535`},
		{name: "port 65536 is invalid", value: "a:65536",
			msg: `Invalid value "a:65536" for configuration property "bootstrap.servers": port must be 1..65535`},
		{name: "a named port is invalid", value: "a:kafka",
			msg: `Invalid value "a:kafka" for configuration property "bootstrap.servers": port must be 1..65535`},
		{name: "an empty port is invalid", value: "a:",
			msg: `Invalid value "a:" for configuration property "bootstrap.servers": port must be 1..65535`},
		{name: "an empty host is invalid", value: ":9092",
			msg: `Invalid value ":9092" for configuration property "bootstrap.servers": expected host:port`},
		{name: "an unbracketed IPv6 address is invalid", value: "::1",
			msg: `Invalid value "::1" for configuration property "bootstrap.servers": write an IPv6 address in brackets, as [::1]:9092`},
		{name: "a host with a space is invalid", value: "my host:1",
			msg: `Invalid value "my host:1" for configuration property "bootstrap.servers": expected host:port`},
		{name: "an unknown protocol prefix is invalid", value: "http://a:1",
			msg: `Invalid value "http://a:1" for configuration property "bootstrap.servers": unknown protocol "http"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ConfigMap{"bootstrap.servers": tt.value}
			if tt.protocol != "" {
				m["security.protocol"] = tt.protocol
			}
			if tt.msg != "" {
				wantError(t, m, ErrInvalidArg, tt.msg)
				return
			}
			if got := mustParse(t, m).bootstrapServers; !slices.Equal(got, tt.want) {
				t.Errorf("bootstrapServers = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigDebug(t *testing.T) {
	all := slices.DeleteFunc(slices.Clone(debugContexts), func(s string) bool { return s == "all" })
	tests := []struct {
		name, value string
		want        []string
	}{
		{"the usual producer contexts are accepted", "broker,topic,msg", []string{"broker", "topic", "msg"}},
		{"contexts are trimmed, case-insensitive and put in librdkafka's order", " MSG , Broker ", []string{"broker", "msg"}},
		{"all enables every context", "all", all},
		{"a minus removes a context", "all,-broker", slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "broker" })},
		{"a plus adds a context", "+eos", []string{"eos"}},
		{"an empty list enables nothing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, withBroker("debug", tt.value)).debug; !slices.Equal(got, tt.want) {
				t.Errorf("debug = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("an unknown context is invalid", func(t *testing.T) {
		wantError(t, withBroker("debug", "broker,bogus"), ErrInvalidArg, `Invalid value "bogus" for configuration property "debug"`)
	})
}

func TestConfigOtherValues(t *testing.T) {
	t.Run("client.id is left-trimmed like librdkafka", func(t *testing.T) {
		if got := mustParse(t, withBroker("client.id", "  app ")).snd.Broker.ClientID; got != "app " {
			t.Errorf("clientID = %q, want %q", got, "app ")
		}
	})
	t.Run("partitioner names are case-sensitive like librdkafka", func(t *testing.T) {
		wantError(t, withBroker("partitioner", "Murmur2"), ErrInvalidArg, `Invalid value "Murmur2" for configuration property "partitioner"`)
	})
	t.Run("compression codec names are case-insensitive like librdkafka", func(t *testing.T) {
		if got := mustParse(t, withBroker("compression.codec", "ZSTD")).compressionType; got != "zstd" {
			t.Errorf("compressionType = %q, want zstd", got)
		}
	})
	t.Run("a value that cannot be stored is a range error", func(t *testing.T) {
		wantError(t, withBroker("acks", 40000), ErrInvalidArg, `Configuration property "acks" value 40000 is outside allowed range -1..1000`)
	})
	t.Run("a range error names the alias the user wrote", func(t *testing.T) {
		wantError(t, withBroker("queue.buffering.max.ms", -1), ErrInvalidArg,
			`Configuration property "queue.buffering.max.ms" value -1 is outside allowed range 0..900000`)
	})
	t.Run("produce.offset.report is accepted and ignored", func(t *testing.T) {
		mustParse(t, withBroker("produce.offset.report", true))
	})
	t.Run("go.delivery.reports false turns reports off", func(t *testing.T) {
		if mustParse(t, withBroker("go.delivery.reports", false)).goDeliveryReports {
			t.Error("goDeliveryReports = true, want false")
		}
	})
	t.Run("the error for several bad keys is the first in sorted order", func(t *testing.T) {
		m := withBroker("zzz", 1, "batch.size", "abc", "aaa", 1, "linger.ms", -1)
		for range 20 {
			wantError(t, m, ErrInvalidArg, `No such configuration property: "aaa"`)
		}
	})
	t.Run("parseConfig does not modify the map", func(t *testing.T) {
		m := withBroker("linger.ms", 2)
		mustParse(t, m)
		if len(m) != 2 || m["linger.ms"] != 2 {
			t.Errorf("map = %v after parseConfig", m)
		}
	})
}

func TestConfigMapMethods(t *testing.T) {
	m := ConfigMap{}
	if err := m.SetKey("acks", "all"); err != nil {
		t.Fatalf("SetKey: %v", err)
	}
	if err := m.Set("linger.ms=1.5"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := m.Set("client.id=a=b"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := m.Set("nothing"); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("Set(%q) = %v, want ErrInvalidArg", "nothing", err)
	}
	tests := []struct {
		name   string
		key    string
		defval any
		want   any
		ok     bool
	}{
		{"Get returns a set value", "acks", "", "all", true},
		{"Get returns a value set with Set as a string", "linger.ms", nil, "1.5", true},
		{"Get splits Set's argument at the first equals sign", "client.id", "", "a=b", true},
		{"Get returns the default for an unset key", "retries", 7, 7, true},
		{"Get fails when the default's type differs", "acks", 1, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Get(tt.key, tt.defval)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("Get(%q, %v) = %v, %v; want %v, ok %v", tt.key, tt.defval, got, err, tt.want, tt.ok)
			}
			if err != nil && (!errors.Is(err, ErrInvalidArg) || !strings.Contains(err.Error(), tt.key)) {
				t.Errorf("Get error %v: want ErrInvalidArg naming %q", err, tt.key)
			}
		})
	}
}

// docLine is how p is listed in the ConfigMap documentation.
func docLine(p *property) string {
	var b strings.Builder
	b.WriteString(p.name)
	if len(p.aliases) > 0 {
		fmt.Fprintf(&b, " (alias %s)", strings.Join(p.aliases, ", "))
	}
	b.WriteString(": ")
	switch p.kind {
	case kindInt:
		fmt.Fprintf(&b, "integer %d..%d", p.min, p.max)
		for name, n := range p.symbols {
			fmt.Fprintf(&b, " or %s (%d)", name, n)
		}
	case kindMs:
		fmt.Fprintf(&b, "%d..%d ms", p.min, p.max)
	case kindFloatMs:
		fmt.Fprintf(&b, "%d..%d ms, fractions allowed", p.min, p.max)
	case kindBool:
		b.WriteString("bool")
	case kindString:
		b.WriteString("string")
	case kindEnum:
		b.WriteString("one of " + strings.Join(p.values, ", "))
	case kindFlags:
		b.WriteString("comma-separated " + strings.Join(p.values, ", "))
	case kindBrokers:
		b.WriteString("comma-separated host[:port]")
	case kindLogsChan:
		b.WriteString("chan LogEvent")
	case kindTopicConf:
		b.WriteString("map of properties")
	}
	if p.only != "" {
		fmt.Fprintf(&b, " (kprod implements only %s)", p.only)
	}
	def := p.def
	if p.defDoc != "" {
		def = p.defDoc
	}
	fmt.Fprintf(&b, "; default %s.", def)
	if p.note != "" {
		b.WriteString(" " + p.note)
	}
	if p.noop != "" {
		b.WriteString(" No effect: " + p.noop)
	}
	if p.deprecated {
		b.WriteString(" Deprecated in librdkafka: New logs a warning when it is set.")
	}
	return b.String()
}

// configMapDoc returns the doc comment of ConfigMap in config.go.
func configMapDoc(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "config.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE && g.Specs[0].(*ast.TypeSpec).Name.Name == "ConfigMap" {
			return g.Doc.Text()
		}
	}
	t.Fatal("no ConfigMap declaration in config.go")
	return ""
}

func TestConfigDocListsEveryProperty(t *testing.T) {
	doc := configMapDoc(t)
	var got, want []string
	for _, line := range strings.Split(doc, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "- ") {
			got = append(got, strings.TrimPrefix(line, "- "))
		}
	}
	for _, p := range supported() {
		want = append(want, docLine(p))
	}
	if !slices.Equal(got, want) {
		var b strings.Builder
		for _, w := range want {
			b.WriteString("//   - " + w + "\n")
		}
		t.Errorf("the ConfigMap doc does not list the property table; replace its list with:\n%s", b.String())
	}
	for _, p := range properties {
		if p.unsupported == "" {
			continue
		}
		// A family may be named at once: sasl.kerberos.* for sasl.kerberos.keytab.
		mentioned := strings.Contains(doc, p.name)
		for name := p.name; !mentioned && strings.Count(name, ".") > 1; {
			name = name[:strings.LastIndex(name, ".")]
			mentioned = strings.Contains(doc, name+".*")
		}
		if !mentioned {
			t.Errorf("the ConfigMap doc does not mention unsupported property %s", p.name)
		}
	}
}

func TestConfigTableIsConsistent(t *testing.T) {
	for _, p := range supported() {
		t.Run(p.name+" has a parsable default within its range", func(t *testing.T) {
			if p.def == "" && p.defDoc == "" {
				t.Errorf("neither def nor defDoc documents the default")
			}
			v, err := p.parse(p.name, p.def)
			if err != nil {
				t.Fatalf("default %q: %v", p.def, err)
			}
			switch n := v.(type) {
			case int64:
				if n < p.min || n > p.max {
					t.Errorf("default %d outside %d..%d", n, p.min, p.max)
				}
			case float64:
				if n < float64(p.min) || n > float64(p.max) {
					t.Errorf("default %v outside %d..%d", n, p.min, p.max)
				}
			}
			if p.only != "" && formatValue(v) != p.only {
				t.Errorf("default %q is not the only supported value %q", p.def, p.only)
			}
		})
	}
}
