package oauth

import (
	"fmt"
	"strings"

	"github.com/kprod-go/kprod/producer/sasl"
)

// ParseExtensions parses sasl.oauthbearer.extensions as librdkafka does:
// comma-separated key=value items, "\," for a comma inside an item (and
// "\t", "\n", "\r" for tab, LF and CR), blanks around items dropped, empty
// items skipped. Each key and value must be allowed by RFC 7628
// (sasl.CheckExtension); a key may appear once.
func ParseExtensions(s string) (map[string]string, error) {
	const prop = "sasl.oauthbearer.extensions"
	items := splitEscaped(s, ',')
	if len(items) == 0 {
		return nil, nil
	}
	exts := make(map[string]string, len(items))
	for i, item := range items {
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%s: item %d has no '='", prop, i+1)
		}
		if k == "" {
			return nil, fmt.Errorf("%s: item %d has an empty key", prop, i+1)
		}
		if _, dup := exts[k]; dup {
			return nil, fmt.Errorf("%s: key %q appears more than once", prop, k)
		}
		if err := sasl.CheckExtension(k, v); err != nil {
			return nil, fmt.Errorf("%s: %w", prop, err)
		}
		exts[k] = v
	}
	return exts, nil
}

// splitEscaped splits s at sep the way librdkafka's rd_string_split does
// for list properties: a backslash escapes the next character (\t, \n, \r
// and \0 stand for tab, LF, CR and NUL), unescaped blanks before a field
// and any blanks after it are dropped, and empty fields are skipped.
func splitEscaped(s string, sep byte) []string {
	var fields []string
	var b []byte
	end := func() {
		for len(b) > 0 && isSpace(b[len(b)-1]) {
			b = b[:len(b)-1]
		}
		if len(b) > 0 {
			fields = append(fields, string(b))
		}
		b = b[:0]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 == len(s) {
				continue // a trailing lone backslash is dropped
			}
			i++
			c = s[i]
			switch c {
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case '0':
				c = 0
			}
			b = append(b, c)
		case c == sep:
			end()
		case len(b) == 0 && isSpace(c):
		default:
			b = append(b, c)
		}
	}
	end()
	return fields
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
