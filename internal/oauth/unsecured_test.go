package oauth

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"
)

// decodeUnsecured splits an unsecured JWT and returns its header and
// claims, decoded.
func decodeUnsecured(tb testing.TB, jwt string) (header, claims string) {
	tb.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		tb.Fatalf("token %q has %d parts, want 3", jwt, len(parts))
	}
	if parts[2] != "" {
		tb.Errorf("signature: got %q, want it empty", parts[2])
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		tb.Fatalf("header: %v", err)
	}
	c, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatalf("claims: %v", err)
	}
	if !json.Valid(c) {
		tb.Fatalf("claims are not JSON: %s", c)
	}
	return string(h), string(c)
}

// The first two cases are librdkafka's own unit tests of the unsecured
// token (rdkafka_sasl_oauthbearer.c, with the clock at 1000 ms).
func TestUnsecuredTokenClaims(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		now    time.Time
		want   string
	}{
		{"defaults give sub, an hour's life and no scope",
			"principal=fubar", time.UnixMilli(1000),
			`{"sub":"fubar","iat":1.000,"exp":3601.000}`},
		{"claim names, scope and lifeSeconds are taken from the config",
			"principalClaimName=azp principal=fubar scopeClaimName=roles scope=role1,role2 lifeSeconds=60", time.UnixMilli(1000),
			`{"azp":"fubar","iat":1.000,"exp":61.000,"roles":["role1","role2"]}`},
		{"times keep their milliseconds",
			"principal=admin lifeSeconds=600", time.UnixMilli(1700000000123).Add(456 * time.Microsecond),
			`{"sub":"admin","iat":1700000000.123,"exp":1700000600.123}`},
		{"empty and repeated scope elements are dropped",
			"principal=admin scope=,a,,b,a,", time.UnixMilli(1000),
			`{"sub":"admin","iat":1.000,"exp":3601.000,"scope":["a","b"]}`},
		{"items may be separated by several spaces",
			"  principal=admin   scope=a  ", time.UnixMilli(1000),
			`{"sub":"admin","iat":1.000,"exp":3601.000,"scope":["a"]}`},
		{"a backslash in the principal is escaped in the JSON",
			`principal=dom\user`, time.UnixMilli(1000),
			`{"sub":"dom\\user","iat":1.000,"exp":3601.000}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseUnsecuredConfig(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := c.Token(tc.now)
			if err != nil {
				t.Fatal(err)
			}
			header, claims := decodeUnsecured(t, tok.Value)
			if header != `{"alg":"none"}` {
				t.Errorf("header: got %s, want {\"alg\":\"none\"}", header)
			}
			if claims != tc.want {
				t.Errorf("claims: got %s, want %s", claims, tc.want)
			}
			if want := tc.now.Truncate(time.Millisecond).Add(time.Duration(c.LifeSeconds) * time.Second); !tok.Expiration.Equal(want) {
				t.Errorf("Expiration: got %v, want %v", tok.Expiration, want)
			}
			if tok.Principal != c.Principal {
				t.Errorf("Principal: got %q, want %q", tok.Principal, c.Principal)
			}
		})
	}
}

func TestUnsecuredTokenCarriesTheExtensions(t *testing.T) {
	c, err := ParseUnsecuredConfig("principal=admin extension_traceId=123 extension_logicalCluster=lkc-1 extension_empty=")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"traceId": "123", "logicalCluster": "lkc-1", "empty": ""}
	if !maps.Equal(c.Extensions, want) {
		t.Fatalf("config extensions: got %v, want %v", c.Extensions, want)
	}
	tok, err := c.Token(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(tok.Extensions, want) {
		t.Fatalf("token extensions: got %v, want %v", tok.Extensions, want)
	}
	tok.Extensions["traceId"] = "changed"
	if c.Extensions["traceId"] != "123" {
		t.Error("the token shares its extensions map with the config")
	}
}

func TestUnsecuredConfigDefaults(t *testing.T) {
	c, err := ParseUnsecuredConfig("principal=admin")
	if err != nil {
		t.Fatal(err)
	}
	if c.PrincipalClaimName != "sub" || c.ScopeClaimName != "scope" || c.LifeSeconds != 3600 || c.Scope != nil || c.Extensions != nil {
		t.Fatalf("got %+v, want librdkafka's defaults (sub, scope, 3600, no scope, no extensions)", c)
	}
	// A config built by hand gets the same defaults for its zero fields.
	tok, err := UnsecuredConfig{Principal: "admin"}.Token(time.UnixMilli(1000))
	if err != nil {
		t.Fatal(err)
	}
	if _, claims := decodeUnsecured(t, tok.Value); claims != `{"sub":"admin","iat":1.000,"exp":3601.000}` {
		t.Fatalf("got %s", claims)
	}
	if _, err := (UnsecuredConfig{}).Token(time.Now()); err == nil || !strings.Contains(err.Error(), "no principal") {
		t.Fatalf("a config without a principal: got %v, want a missing principal error", err)
	}
}

func TestParseUnsecuredConfigRefusesBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		name, config, want string
	}{
		{"an empty config is refused", "", "must not be empty"},
		{"a config without a principal is refused", "scope=a lifeSeconds=10", "no principal=<name>"},
		{"an empty principal is refused", "principal=", "empty principal="},
		{"an empty scope is refused", "principal=a scope=", "empty scope="},
		{"a repeated principal is refused", "principal=a principal=b", "multiple principal= items"},
		{"an unknown name is refused", "principal=a colour=blue", `unrecognized item "colour=blue"`},
		{"an item without '=' is refused", "principal=a verbose", `unrecognized item "verbose"`},
		{"names are case-sensitive", "Principal=a", `unrecognized item "Principal=a"`},
		{"a lifeSeconds that is not a number is refused", "principal=a lifeSeconds=ten", "lifeSeconds=ten is not an integer"},
		{"a zero lifeSeconds is refused", "principal=a lifeSeconds=0", "lifeSeconds=0 is out of range"},
		{"a negative lifeSeconds is refused", "principal=a lifeSeconds=-5", "lifeSeconds=-5 is out of range"},
		{"a lifeSeconds above int32 is refused", "principal=a lifeSeconds=2147483648", "lifeSeconds=2147483648 is out of range"},
		{"a lifeSeconds above int64 is refused", "principal=a lifeSeconds=99999999999999999999", "lifeSeconds=99999999999999999999 is out of range"},
		{"a quote in the principal is refused", `principal=a"b`, `'"' cannot appear in principal`},
		{"a quote in a claim name is refused", `principal=a principalClaimName=x"`, `'"' cannot appear in principalClaimName`},
		{"a quote in the scope is refused", `principal=a scope=x"`, `'"' cannot appear in scope`},
		{"iat as a claim name is refused", "principal=a principalClaimName=iat", `claim name "iat" is reserved`},
		{"one claim for principal and scope is refused", "principal=a principalClaimName=x scopeClaimName=x scope=s", `both "x"`},
		{"an empty extension key is refused", "principal=a extension_=v", "empty extension_ key"},
		{"an extension key with a digit is refused", "principal=a extension_k1=v", `extension_k1: OAUTHBEARER extension key "k1" has a character other than A-Z and a-z`},
		{"the reserved extension auth is refused", "principal=a extension_auth=v", `extension_auth: OAUTHBEARER extension key "auth" is reserved`},
		{"an extension value with a control byte is refused", "principal=a extension_k=\x01", `extension_k: OAUTHBEARER extension "k": value has byte 0x01`},
		{"a repeated extension is refused", "principal=a extension_k=1 extension_k=2", "multiple extension_k= items"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUnsecuredConfig(tc.config)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "sasl.oauthbearer.config: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want sasl.oauthbearer.config: ... %s", err, tc.want)
			}
		})
	}
}

// TestUnsecuredTokenIsLibrdkafkasByteForByte checks whole tokens against
// the ones librdkafka's unit tests expect for the same configs
// (do_unittest_config_defaults, do_unittest_config_all_explicit_values).
func TestUnsecuredTokenIsLibrdkafkasByteForByte(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"principal=fubar scopeClaimName=whatever",
			"eyJhbGciOiJub25lIn0.eyJzdWIiOiJmdWJhciIsImlhdCI6MS4wMDAsImV4cCI6MzYwMS4wMDB9."},
		{"principal=fubar principalClaimName=azp scope=role1,role2 scopeClaimName=roles lifeSeconds=60",
			"eyJhbGciOiJub25lIn0.eyJhenAiOiJmdWJhciIsImlhdCI6MS4wMDAsImV4cCI6NjEuMDAwLCJyb2xlcyI6WyJyb2xlMSIsInJvbGUyIl19."},
	} {
		c, err := ParseUnsecuredConfig(tc.config)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := c.Token(time.UnixMilli(1000))
		if err != nil {
			t.Fatal(err)
		}
		if tok.Value != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.config, tok.Value, tc.want)
		}
	}
}
