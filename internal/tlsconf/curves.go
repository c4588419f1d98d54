package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// curveNames maps OpenSSL's group names, and their NIST and SEC aliases,
// lower-cased, to Go's curve IDs: every group Go's client can use.
var curveNames = map[string]tls.CurveID{
	"x25519":             tls.X25519,
	"prime256v1":         tls.CurveP256,
	"secp256r1":          tls.CurveP256,
	"p-256":              tls.CurveP256,
	"secp384r1":          tls.CurveP384,
	"p-384":              tls.CurveP384,
	"secp521r1":          tls.CurveP521,
	"p-521":              tls.CurveP521,
	"x25519mlkem768":     tls.X25519MLKEM768,
	"secp256r1mlkem768":  tls.SecP256r1MLKEM768,
	"secp384r1mlkem1024": tls.SecP384r1MLKEM1024,
}

// curvePreferences maps ssl.curves.list to Go's curve IDs. Names are
// separated by colons (or commas or spaces) and matched case-insensitively;
// OpenSSL's "?name" (skip the name if unknown) is honoured. Go ignores the
// order, choosing by its own preference. Any other name, such as X448 or
// ffdhe2048, fails with ErrUnsupported.
func curvePreferences(value string) ([]tls.CurveID, error) {
	if value == "" {
		return nil, nil
	}
	var out []tls.CurveID
	for _, name := range splitList(value) {
		optional := strings.HasPrefix(name, "?")
		id, ok := curveNames[strings.ToLower(strings.TrimPrefix(name, "?"))]
		switch {
		case ok:
			out = append(out, id)
		case !optional:
			return nil, unsupported("ssl.curves.list", value,
				fmt.Errorf("Go's TLS cannot honour %q: supported are X25519, prime256v1 (P-256), secp384r1 (P-384), secp521r1 (P-521), X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024", name))
		}
	}
	if len(out) == 0 {
		return nil, unsupported("ssl.curves.list", value, fmt.Errorf("names no group Go's TLS can use"))
	}
	return out, nil
}
