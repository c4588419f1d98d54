package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kprod-go/kprod/producer/sasl"
)

// Defaults of sasl.oauthbearer.config, as librdkafka documents them.
const (
	DefaultPrincipalClaimName = "sub"
	DefaultScopeClaimName     = "scope"
	DefaultLifeSeconds        = 3600
)

const unsecuredProp = "sasl.oauthbearer.config"

// unsecuredHeader is base64url('{"alg":"none"}'): an unsecured JWS (RFC 7515
// appendix A.5), which is what librdkafka makes and Kafka's unsecured
// validator accepts.
const unsecuredHeader = "eyJhbGciOiJub25lIn0"

// UnsecuredConfig is sasl.oauthbearer.config as librdkafka's unsecured JWT
// handler reads it: space-separated name=value items
//
//	principal=<name>             required
//	principalClaimName=<claim>   default "sub"
//	scope=<s1>,<s2>,...          optional; empty elements and repeats dropped
//	scopeClaimName=<claim>       default "scope"
//	lifeSeconds=<n>              default 3600, 1 to 2147483647
//	extension_<key>=<value>      a SASL extension, any number of them
//
// for example "principal=admin scope=role1,role2 extension_traceId=123".
type UnsecuredConfig struct {
	Principal          string
	PrincipalClaimName string
	Scope              []string
	ScopeClaimName     string
	LifeSeconds        int
	Extensions         map[string]string
}

// ParseUnsecuredConfig parses sasl.oauthbearer.config. Its errors name the
// property and the item at fault; librdkafka refuses the same configs.
func ParseUnsecuredConfig(s string) (UnsecuredConfig, error) {
	c := UnsecuredConfig{
		PrincipalClaimName: DefaultPrincipalClaimName,
		ScopeClaimName:     DefaultScopeClaimName,
		LifeSeconds:        DefaultLifeSeconds,
	}
	if s == "" {
		return c, fmt.Errorf("%s: must not be empty (principal=<name> is required)", unsecuredProp)
	}
	seen := make(map[string]bool)
	once := func(name string) error {
		if seen[name] {
			return fmt.Errorf("%s: multiple %s= items", unsecuredProp, name)
		}
		seen[name] = true
		return nil
	}
	// librdkafka ends an item at a space only, not at other blanks.
	for item := range strings.SplitSeq(s, " ") {
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		if !ok {
			return c, fmt.Errorf("%s: unrecognized item %q", unsecuredProp, item)
		}
		if ext, isExt := strings.CutPrefix(name, "extension_"); isExt {
			if ext == "" {
				return c, fmt.Errorf("%s: empty extension_ key in %q", unsecuredProp, item)
			}
			if err := once(name); err != nil {
				return c, err
			}
			if err := sasl.CheckExtension(ext, value); err != nil {
				return c, fmt.Errorf("%s: %s: %w", unsecuredProp, name, err)
			}
			if c.Extensions == nil {
				c.Extensions = make(map[string]string)
			}
			c.Extensions[ext] = value
			continue
		}
		switch name {
		case "principal", "principalClaimName", "scope", "scopeClaimName", "lifeSeconds":
		default:
			return c, fmt.Errorf("%s: unrecognized item %q", unsecuredProp, item)
		}
		if err := once(name); err != nil {
			return c, err
		}
		if value == "" {
			return c, fmt.Errorf("%s: empty %s=", unsecuredProp, name)
		}
		switch name {
		case "principal":
			c.Principal = value
		case "principalClaimName":
			c.PrincipalClaimName = value
		case "scope":
			c.Scope = splitScope(value)
		case "scopeClaimName":
			c.ScopeClaimName = value
		case "lifeSeconds":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return c, fmt.Errorf("%s: lifeSeconds=%s is not an integer", unsecuredProp, value)
			}
			if err != nil || n <= 0 || n > math.MaxInt32 {
				return c, fmt.Errorf("%s: lifeSeconds=%s is out of range (1 to %d)", unsecuredProp, value, math.MaxInt32)
			}
			c.LifeSeconds = int(n)
		}
	}
	return c, c.check()
}

// splitScope splits a scope list at commas, dropping empty elements and
// repeats, as librdkafka does.
func splitScope(csv string) []string {
	var scope []string
	for s := range strings.SplitSeq(csv, ",") {
		if s != "" && !slices.Contains(scope, s) {
			scope = append(scope, s)
		}
	}
	return scope
}

// check refuses what librdkafka refuses, and claims that would collide in
// the JWT's payload.
func (c UnsecuredConfig) check() error {
	if c.Principal == "" {
		return fmt.Errorf("%s: no principal=<name>", unsecuredProp)
	}
	if c.LifeSeconds <= 0 || c.LifeSeconds > math.MaxInt32 {
		return fmt.Errorf("%s: lifeSeconds=%d is out of range (1 to %d)", unsecuredProp, c.LifeSeconds, math.MaxInt32)
	}
	// librdkafka writes these into the JSON unescaped, so it refuses a
	// quote in any of them; refusing the same keeps configs portable.
	for _, f := range []struct{ name, value string }{
		{"principal", c.Principal},
		{"principalClaimName", c.principalClaim()},
		{"scopeClaimName", c.scopeClaim()},
		{"scope", strings.Join(c.Scope, ",")},
	} {
		if strings.Contains(f.value, `"`) {
			return fmt.Errorf(`%s: '"' cannot appear in %s`, unsecuredProp, f.name)
		}
	}
	p, s := c.principalClaim(), c.scopeClaim()
	for _, claim := range []string{p, s} {
		if claim == "iat" || claim == "exp" {
			return fmt.Errorf("%s: claim name %q is reserved for the token's times", unsecuredProp, claim)
		}
	}
	if p == s && len(c.Scope) > 0 {
		return fmt.Errorf("%s: principalClaimName and scopeClaimName are both %q", unsecuredProp, p)
	}
	for k, v := range c.Extensions {
		if err := sasl.CheckExtension(k, v); err != nil {
			return fmt.Errorf("%s: extension_%s: %w", unsecuredProp, k, err)
		}
	}
	return nil
}

func (c UnsecuredConfig) principalClaim() string {
	if c.PrincipalClaimName == "" {
		return DefaultPrincipalClaimName
	}
	return c.PrincipalClaimName
}

func (c UnsecuredConfig) scopeClaim() string {
	if c.ScopeClaimName == "" {
		return DefaultScopeClaimName
	}
	return c.ScopeClaimName
}

// Token makes an unsecured JWT issued at now, as librdkafka's
// rd_kafka_oauthbearer_unsecured_token does: the header {"alg":"none"}, the
// claims
//
//	{"<principalClaimName>":"<principal>","iat":<now>,"exp":<now+lifeSeconds>,"<scopeClaimName>":[<scope>...]}
//
// with iat and exp in seconds to the millisecond and the scope claim only
// when there is a scope, and an empty signature. Zero claim names and
// lifetime take the defaults.
func (c UnsecuredConfig) Token(now time.Time) (Token, error) {
	life := c.LifeSeconds
	if life == 0 {
		life = DefaultLifeSeconds
		c.LifeSeconds = life
	}
	if err := c.check(); err != nil {
		return Token{}, err
	}
	iatMs := now.UnixMilli()
	expMs := iatMs + int64(life)*1000

	claims := make([]byte, 0, 128)
	claims = append(claims, '{')
	claims = appendJSONString(claims, c.principalClaim())
	claims = append(claims, ':')
	claims = appendJSONString(claims, c.Principal)
	claims = append(claims, `,"iat":`...)
	claims = appendMillisAsSeconds(claims, iatMs)
	claims = append(claims, `,"exp":`...)
	claims = appendMillisAsSeconds(claims, expMs)
	if len(c.Scope) > 0 {
		claims = append(claims, ',')
		claims = appendJSONString(claims, c.scopeClaim())
		claims = append(claims, ":["...)
		for i, s := range c.Scope {
			if i > 0 {
				claims = append(claims, ',')
			}
			claims = appendJSONString(claims, s)
		}
		claims = append(claims, ']')
	}
	claims = append(claims, '}')

	return Token{
		Value:      unsecuredHeader + "." + base64.RawURLEncoding.EncodeToString(claims) + ".",
		Expiration: time.UnixMilli(expMs),
		Principal:  c.Principal,
		Extensions: maps.Clone(c.Extensions),
	}, nil
}

func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// appendMillisAsSeconds writes ms as seconds with three decimals, exactly
// (librdkafka's "%.3f" of the wall clock).
func appendMillisAsSeconds(dst []byte, ms int64) []byte {
	neg := ms < 0
	if neg {
		dst = append(dst, '-')
		ms = -ms
	}
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	dst = append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return dst
}
