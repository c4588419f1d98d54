package producer

import (
	"math"
	"net"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// parse converts v, the value the user gave for key (p.name or an alias),
// into p's canonical form (see field). It checks the value's type and
// syntax; bounds are validate's job.
func (p *property) parse(key string, v any) (any, error) {
	switch p.kind {
	case kindInt, kindMs:
		return p.parseInt(key, v)
	case kindFloatMs:
		return p.parseFloatMs(key, v)
	case kindBool:
		return parseBool(key, v)
	case kindAny:
		return v, nil
	case kindTopicConf:
		if s, ok := v.(string); ok && s == "" {
			return v, nil // none, as the default
		}
		if _, ok := topicConf(v); !ok {
			return nil, wrongType(key, v, "map of properties")
		}
		return v, nil
	case kindLogsChan:
		if ch, ok := v.(chan LogEvent); ok {
			return ch, nil
		}
		if s, ok := v.(string); ok && s == "" {
			return (chan LogEvent)(nil), nil
		}
		return nil, wrongType(key, v, "chan producer.LogEvent")
	}
	s, ok := v.(string)
	if !ok {
		return nil, wrongType(key, v, "string")
	}
	switch p.kind {
	case kindEnum:
		s = strings.TrimSpace(s)
		for _, name := range p.values {
			if s == name || p.fold && strings.EqualFold(s, name) {
				return name, nil
			}
		}
		return nil, invalidValue(key, v, "")
	case kindFlags:
		return p.parseFlags(key, s)
	case kindBrokers:
		return parseBrokers(key, s)
	}
	// Like librdkafka, left-trim string properties.
	return strings.TrimLeftFunc(s, unicode.IsSpace), nil
}

func (p *property) parseInt(key string, v any) (any, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		for name, n := range p.symbols {
			if strings.EqualFold(s, name) {
				return n, nil
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, rangeError(key, s, p)
			}
			return nil, invalidValue(key, v, "")
		}
		return n, nil
	case float32, float64:
		f := toFloat(x)
		if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return nil, invalidValue(key, v, "not an integer")
		}
		if math.Abs(f) >= 1<<63 {
			return nil, rangeError(key, formatFloat(f), p)
		}
		return int64(f), nil
	case time.Duration:
		if p.kind != kindMs {
			return nil, wrongType(key, v, "integer")
		}
		if x%time.Millisecond != 0 {
			return nil, invalidValue(key, v, "not a whole number of milliseconds")
		}
		return int64(x / time.Millisecond), nil
	}
	n, text, ok := asInteger(v)
	if !ok {
		return nil, wrongType(key, v, "integer")
	}
	if text != "" {
		return nil, rangeError(key, text, p)
	}
	return n, nil
}

// asInteger returns v as an int64 if v has a Go integer type. When v is an
// unsigned value above math.MaxInt64, text holds it in decimal.
func asInteger(v any) (n int64, text string, ok bool) {
	var u uint64
	switch x := v.(type) {
	case int:
		return int64(x), "", true
	case int8:
		return int64(x), "", true
	case int16:
		return int64(x), "", true
	case int32:
		return int64(x), "", true
	case int64:
		return x, "", true
	case uint:
		u = uint64(x)
	case uint8:
		u = uint64(x)
	case uint16:
		u = uint64(x)
	case uint32:
		u = uint64(x)
	case uint64:
		u = x
	case uintptr:
		u = uint64(x)
	default:
		return 0, "", false
	}
	if u > math.MaxInt64 {
		return 0, strconv.FormatUint(u, 10), true
	}
	return int64(u), "", true
}

func toFloat(v any) float64 {
	if f, ok := v.(float32); ok {
		return float64(f)
	}
	return v.(float64)
}

func (p *property) parseFloatMs(key string, v any) (any, error) {
	var f float64
	switch x := v.(type) {
	case string:
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, rangeError(key, strings.TrimSpace(x), p)
			}
			return nil, invalidValue(key, v, "")
		}
	case float32, float64:
		f = toFloat(x)
	case time.Duration:
		return float64(x) / float64(time.Millisecond), nil
	default:
		n, text, ok := asInteger(v)
		if !ok {
			return nil, wrongType(key, v, "number of milliseconds")
		}
		if text != "" {
			return nil, rangeError(key, text, p)
		}
		f = float64(n)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, invalidValue(key, v, "")
	}
	return f, nil
}

func parseBool(key string, v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "t", "1":
			return true, nil
		case "false", "f", "0":
			return false, nil
		}
		return nil, invalidValue(key, v, "expected true or false")
	}
	n, _, ok := asInteger(v)
	if !ok {
		return nil, wrongType(key, v, "bool")
	}
	if n != 0 && n != 1 {
		return nil, invalidValue(key, v, "expected true or false")
	}
	return n == 1, nil
}

// parseFlags parses a librdkafka CSV flags value: names separated by commas,
// each optionally prefixed with + (add, the default) or - (remove). "all"
// stands for every flag. The result lists the enabled flags, "all" excluded,
// in table order.
func (p *property) parseFlags(key, s string) (any, error) {
	on := make(map[string]bool)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		add := !strings.HasPrefix(item, "-")
		item = strings.TrimPrefix(strings.TrimPrefix(item, "-"), "+")
		if item == "" {
			continue
		}
		name := ""
		for _, v := range p.values {
			if strings.EqualFold(item, v) {
				name = v
			}
		}
		if name == "" {
			return nil, invalidValue(key, item, "")
		}
		for _, v := range p.values {
			if v != "all" && (v == name || name == "all") {
				on[v] = add
			}
		}
	}
	var out []string
	for _, v := range p.values {
		if on[v] {
			out = append(out, v)
		}
	}
	return out, nil
}

// parseBrokers parses a comma-separated list of host[:port] entries, each
// optionally prefixed with a security protocol ("sasl_ssl://"), into
// host:port strings, prefixed with the protocol in lower case when one was
// given: validate checks it against security.protocol and strips it.
func parseBrokers(key, s string) (any, error) {
	var out []string
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		addr, err := parseBroker(key, entry)
		if err != nil {
			return nil, err
		}
		out = append(out, addr)
	}
	return out, nil
}

func parseBroker(key, entry string) (string, error) {
	hostport, prefix := entry, ""
	if scheme, rest, ok := strings.Cut(entry, "://"); ok {
		switch scheme = strings.ToLower(scheme); scheme {
		case "plaintext", "ssl", "sasl_plaintext", "sasl_ssl":
			hostport, prefix = rest, scheme+"://"
		default:
			return "", invalidValue(key, entry, "unknown protocol "+strconv.Quote(scheme))
		}
	}
	host, port := hostport, "9092"
	switch colons := strings.Count(hostport, ":"); {
	case strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]"):
		host = hostport[1 : len(hostport)-1]
	case strings.HasPrefix(hostport, "[") || colons == 1:
		var err error
		if host, port, err = net.SplitHostPort(hostport); err != nil {
			return "", invalidValue(key, entry, "expected host:port")
		}
	case colons > 1:
		return "", invalidValue(key, entry, "write an IPv6 address in brackets, as [::1]:9092")
	}
	if host == "" || strings.ContainsAny(host, " \t/[]") {
		return "", invalidValue(key, entry, "expected host:port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", invalidValue(key, entry, "port must be 1..65535")
	}
	return prefix + net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// topicConf returns the entries of v, a map with string keys (a ConfigMap,
// or the kafka package's), for default.topic.config.
func topicConf(v any) (map[string]any, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		out[it.Key().String()] = it.Value().Interface()
	}
	return out, true
}
