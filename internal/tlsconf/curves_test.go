package tlsconf

import (
	"crypto/tls"
	"slices"
	"testing"
)

func TestCurves(t *testing.T) {
	cases := []struct {
		name  string
		value string
		want  []tls.CurveID
	}{
		{"OpenSSL names map to Go's curves", "X25519:prime256v1:secp384r1:secp521r1",
			[]tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}},
		{"NIST names are aliases", "P-256:P-384:P-521", []tls.CurveID{tls.CurveP256, tls.CurveP384, tls.CurveP521}},
		{"secp256r1 is P-256", "secp256r1", []tls.CurveID{tls.CurveP256}},
		{"the post-quantum hybrids map", "X25519MLKEM768:SecP256r1MLKEM768:SecP384r1MLKEM1024",
			[]tls.CurveID{tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024}},
		{"names are case-insensitive", "x25519:PRIME256V1", []tls.CurveID{tls.X25519, tls.CurveP256}},
		{"an unknown name marked ? is skipped", "?X448:X25519", []tls.CurveID{tls.X25519}},
		{"unset leaves Go's defaults", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := curvePreferences(c.value)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCurvesUnsupported(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{"X448 is refused", "X25519:X448", `Go's TLS cannot honour "X448"`},
		{"a finite-field group is refused", "ffdhe2048", `Go's TLS cannot honour "ffdhe2048"`},
		{"a list of only optional unknown groups is refused", "?X448", "names no group Go's TLS can use"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := Defaults()
			props.Curves = c.value
			_, err := Build(props)
			wantError(t, err, ErrUnsupported, "ssl.curves.list", c.want)
		})
	}
}

func TestCurveIsNegotiated(t *testing.T) {
	p := newPKI(t)
	for _, name := range []string{"secp384r1", "X25519"} {
		t.Run(name+" is the group the handshake uses", func(t *testing.T) {
			props := p.props()
			props.Curves = name
			cfg, err := Build(props)
			if err != nil {
				t.Fatal(err)
			}
			client := ForHost(cfg, "localhost")
			var got tls.CurveID
			client.VerifyConnection = func(cs tls.ConnectionState) error { got = cs.CurveID; return nil }
			if cerr, serr := handshakeConfig(t, client, p.serverConfig); cerr != nil || serr != nil {
				t.Fatalf("got client error %v, server error %v", cerr, serr)
			}
			if want := cfg.CurvePreferences[0]; got != want {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}
