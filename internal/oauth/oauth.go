// Package oauth is where librdkafka's built-in OAUTHBEARER tokens come from
// when the application gives no token callback:
//
//   - an unsecured JWT made from sasl.oauthbearer.config, with
//     enable.sasl.oauthbearer.unsecure.jwt=true (UnsecuredConfig), for
//     development and tests;
//   - a token fetched from an OIDC token endpoint with the client
//     credentials grant, with sasl.oauthbearer.method=oidc (FetchOIDC).
//
// It makes tokens and nothing else: when to refresh one, and how to retry a
// failed fetch, is the producer's business. A Token is a plain value the
// producer turns into a sasl.Token.
//
// No error or printed value of this package shows a client secret or a
// token.
package oauth

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Token is an OAUTHBEARER token with what librdkafka keeps beside it
// (rd_kafka_oauthbearer_set_token's arguments).
type Token struct {
	// Value is the bearer token, a JWT.
	Value string
	// Expiration is when the token stops being valid; the producer
	// refreshes it before then.
	Expiration time.Time
	// Principal is the Kafka principal the token stands for.
	Principal string
	// Extensions are the SASL extensions sent with the token (KIP-342).
	Extensions map[string]string
}

// String hides the token value.
func (t Token) String() string {
	return fmt.Sprintf("{[token redacted] principal=%s expires=%s extensions=%v}",
		t.Principal, t.Expiration.UTC().Format(time.RFC3339), slices.Sorted(maps.Keys(t.Extensions)))
}

// GoString hides the token value from %#v too.
func (t Token) GoString() string { return t.String() }
