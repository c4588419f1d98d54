package producer

import (
	"slices"
	"strings"
)

// ConfigValue returns the value of configuration property name (or one of
// its aliases) as New parsed it, written as text: the value set, or the
// default, after the adjustments New makes (an unset
// max.in.flight.requests.per.connection is 5 with idempotence, for
// example). Milliseconds are written as a number of them, lists joined
// with commas. It returns false for a name kprod does not know, and for a
// property kprod refuses. It is safe for concurrent use; the kafka package
// reads confluent-kafka-go's go.* properties through it.
func (p *Producer) ConfigValue(name string) (string, bool) {
	return p.cfg.value(name)
}

func (c *config) value(name string) (string, bool) {
	p := propertyIndex[name]
	if p == nil || p.unsupported != "" {
		return "", false
	}
	if p.field.get != nil {
		return formatValue(p.field.get(c)), true
	}
	if v, ok := c.values[p.name]; ok {
		return v, true
	}
	return p.def, true
}

// unknownProperty is the error for a name kprod does not know: it suggests
// the closest known names.
func unknownProperty(key string) error {
	if s := closestProperties(key); len(s) > 0 {
		return newError(ErrInvalidArg, "No such configuration property: %q (did you mean %s?)", key, strings.Join(s, " or "))
	}
	return newError(ErrInvalidArg, "No such configuration property: %q", key)
}

// closestProperties returns up to three known names nearest to key by edit
// distance (a difference of letter case counting as one edit), within a
// distance that leaves a typo and not a different word: a quarter of key's
// length, at least 1 and at most 3.
func closestProperties(key string) []string {
	limit := min(max(len(key)/4, 1), 3)
	best := limit + 1
	var names []string
	for name := range propertyIndex {
		d := editDistance(key, name)
		if strings.EqualFold(key, name) {
			d = 1
		}
		switch {
		case d < best:
			best, names = d, []string{name}
		case d == best:
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) > 3 {
		names = names[:3]
	}
	return names
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
