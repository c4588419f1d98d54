package tlsconf

import (
	"crypto/tls"
	"slices"
	"testing"
)

func TestEveryTLS12SuiteHasAnOpenSSLName(t *testing.T) {
	byIANA := make(map[string]string)
	for o, iana := range openSSLSuiteNames {
		byIANA[iana] = o
	}
	ids, tls13 := goSuites()
	for name := range ids {
		if !tls13[name] && byIANA[name] == "" {
			t.Errorf("Go's %s has no OpenSSL name in openSSLSuiteNames", name)
		}
	}
	for o, iana := range openSSLSuiteNames {
		if _, ok := ids[iana]; !ok {
			t.Errorf("openSSLSuiteNames maps %s to %s, which Go does not implement", o, iana)
		}
	}
}

func TestCipherSuites(t *testing.T) {
	cases := []struct {
		name  string
		value string
		want  []uint16
	}{
		{"OpenSSL names map to Go's suites", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305",
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305}},
		{"RSA key exchange and CBC suites map too", "AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:DES-CBC3-SHA",
			[]uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
		{"IANA names are accepted", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
			[]uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}},
		{"names are case-insensitive and commas and spaces separate too", "ecdhe-rsa-aes128-gcm-sha256, ECDHE-RSA-AES256-SHA :",
			[]uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}},
		{"TLS 1.3 names are accepted and change nothing", "TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:TLS_CHACHA20_POLY1305_SHA256",
			[]uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{"only TLS 1.3 names leave Go's defaults", "TLS_AES_256_GCM_SHA384", nil},
		{"unset leaves Go's defaults", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cipherSuites(c.value)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCipherSuitesUnsupported(t *testing.T) {
	for _, v := range []string{"HIGH", "HIGH:!aNULL", "DEFAULT", "ECDHE-RSA-AES128-GCM-SHA256:@STRENGTH", "ECDHE-RSA-CAMELLIA128-SHA256", "PSK-AES128-CBC-SHA"} {
		t.Run(v+" is refused as unsupported", func(t *testing.T) {
			props := Defaults()
			props.CipherSuites = v
			_, err := Build(props)
			wantError(t, err, ErrUnsupported, "ssl.cipher.suites", `ssl.cipher.suites "`+v+`": Go's TLS cannot honour`)
		})
	}
}

func TestCipherSuiteIsNegotiated(t *testing.T) {
	p := newPKI(t)
	server := p.serverConfig.Clone()
	server.MaxVersion = tls.VersionTLS12
	for _, name := range []string{"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-SHA"} {
		t.Run(name+" is the suite a TLS 1.2 handshake uses", func(t *testing.T) {
			props := p.props()
			props.CipherSuites = name
			cfg, err := Build(props)
			if err != nil {
				t.Fatal(err)
			}
			client := ForHost(cfg, "localhost")
			var got uint16
			client.VerifyConnection = func(cs tls.ConnectionState) error { got = cs.CipherSuite; return nil }
			if cerr, serr := handshakeConfig(t, client, server); cerr != nil || serr != nil {
				t.Fatalf("got client error %v, server error %v", cerr, serr)
			}
			if want := cfg.CipherSuites[0]; got != want {
				t.Fatalf("got %s, want %s", tls.CipherSuiteName(got), tls.CipherSuiteName(want))
			}
		})
	}
}
