package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// openSSLSuiteNames maps OpenSSL's names of the TLS 1.2 cipher suites Go
// implements to Go's (IANA) names. A test checks that every TLS 1.2 suite
// of tls.CipherSuites and tls.InsecureCipherSuites is here.
var openSSLSuiteNames = map[string]string{
	"ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-RSA-AES128-GCM-SHA256":   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-RSA-AES256-GCM-SHA384":   "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-RSA-CHACHA20-POLY1305":   "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-ECDSA-AES128-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	"ECDHE-ECDSA-AES256-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	"ECDHE-RSA-AES128-SHA":          "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	"ECDHE-RSA-AES256-SHA":          "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
	"ECDHE-ECDSA-AES128-SHA256":     "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-RSA-AES128-SHA256":       "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-RSA-DES-CBC3-SHA":        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
	"ECDHE-ECDSA-RC4-SHA":           "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
	"ECDHE-RSA-RC4-SHA":             "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
	"AES128-GCM-SHA256":             "TLS_RSA_WITH_AES_128_GCM_SHA256",
	"AES256-GCM-SHA384":             "TLS_RSA_WITH_AES_256_GCM_SHA384",
	"AES128-SHA256":                 "TLS_RSA_WITH_AES_128_CBC_SHA256",
	"AES128-SHA":                    "TLS_RSA_WITH_AES_128_CBC_SHA",
	"AES256-SHA":                    "TLS_RSA_WITH_AES_256_CBC_SHA",
	"DES-CBC3-SHA":                  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
	"RC4-SHA":                       "TLS_RSA_WITH_RC4_128_SHA",
}

// goSuites returns Go's cipher suites by IANA name, secure and insecure;
// tls13 reports which are TLS 1.3 suites.
func goSuites() (ids map[string]uint16, tls13 map[string]bool) {
	ids = make(map[string]uint16)
	tls13 = make(map[string]bool)
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			ids[s.Name] = s.ID
			if len(s.SupportedVersions) == 1 && s.SupportedVersions[0] == tls.VersionTLS13 {
				tls13[s.Name] = true
			}
		}
	}
	return ids, tls13
}

// cipherSuites maps ssl.cipher.suites to Go's suite IDs. Each name is an
// OpenSSL name (ECDHE-RSA-AES128-GCM-SHA256) or an IANA name
// (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) of a TLS 1.2 suite Go
// implements, separated by colons, commas or spaces as OpenSSL allows,
// case-insensitive.
//
// TLS 1.3 suite names (TLS_AES_128_GCM_SHA256 and the others) are accepted
// and have no effect: Go always offers all three when TLS 1.3 is
// negotiated and cannot be told otherwise. (OpenSSL too keeps TLS 1.3
// suites out of this list; it has a separate setting for them.)
//
// Go ignores the order, choosing by its own preference, where OpenSSL
// follows the list's order. OpenSSL's keywords and operators (HIGH,
// DEFAULT, !aNULL, +RSA, @STRENGTH) and any unknown name fail with
// ErrUnsupported.
func cipherSuites(value string) ([]uint16, error) {
	if value == "" {
		return nil, nil
	}
	ids, tls13 := goSuites()
	var out []uint16
	for _, name := range splitList(value) {
		n := strings.ToUpper(name)
		if iana, ok := openSSLSuiteNames[n]; ok {
			n = iana
		}
		if tls13[n] {
			continue
		}
		id, ok := ids[n]
		if !ok {
			return nil, unsupported("ssl.cipher.suites", value,
				fmt.Errorf("Go's TLS cannot honour %q: only names of TLS 1.2 cipher suites Go implements are supported, not OpenSSL keywords or other suites", name))
		}
		out = append(out, id)
	}
	return out, nil
}

// splitList splits an OpenSSL list on colons, commas and spaces, dropping
// empty elements.
func splitList(value string) []string {
	return strings.FieldsFunc(value, func(r rune) bool {
		return r == ':' || r == ',' || r == ' '
	})
}
