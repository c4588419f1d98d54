package tlsconf

import (
	"crypto/tls"
	"errors"
	"io/fs"
	"testing"
)

func TestBuildDefaults(t *testing.T) {
	cfg, err := Build(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("got MinVersion %#x, want TLS 1.2", cfg.MinVersion)
	}
	if cfg.ServerName != "" {
		t.Errorf("got ServerName %q, want it left to ForHost", cfg.ServerName)
	}
	if cfg.InsecureSkipVerify || cfg.VerifyConnection != nil || cfg.RootCAs != nil {
		t.Errorf("got InsecureSkipVerify %v, VerifyConnection set %v, RootCAs %v; want crypto/tls's checks against the system roots",
			cfg.InsecureSkipVerify, cfg.VerifyConnection != nil, cfg.RootCAs)
	}
	if cfg.Certificates != nil || cfg.GetClientCertificate != nil {
		t.Errorf("got a client certificate, want none")
	}
}

func TestSigalgsUnsupported(t *testing.T) {
	props := Defaults()
	props.Sigalgs = "RSA-PSS+SHA256:ECDSA+SHA256"
	_, err := Build(props)
	wantError(t, err, ErrUnsupported, "ssl.sigalgs.list",
		`ssl.sigalgs.list "RSA-PSS+SHA256:ECDSA+SHA256": Go's TLS client cannot restrict signature algorithms`)
}

func TestForHost(t *testing.T) {
	base, err := Build(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		serverName string
		host       string
		want       string
	}{
		{"an unset ServerName becomes the host", "", "broker1.example", "broker1.example"},
		{"brackets around an IPv6 address are dropped", "", "[::1]", "::1"},
		{"a ServerName the caller set is kept", "kafka.example", "10.0.0.1", "kafka.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := base.Clone()
			b.ServerName = c.serverName
			got := ForHost(b, c.host)
			if got.ServerName != c.want {
				t.Errorf("got ServerName %q, want %q", got.ServerName, c.want)
			}
			if b.ServerName != c.serverName {
				t.Errorf("ForHost changed base's ServerName to %q", b.ServerName)
			}
		})
	}
}

func TestErrorWrapsKindAndCause(t *testing.T) {
	_, err := Build(Properties{CALocation: "/nonexistent/ca.pem"})
	if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnsupported) {
		t.Errorf("got %v, want ErrInvalid and not ErrUnsupported", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want it to wrap fs.ErrNotExist", err)
	}
	_, err = Build(Properties{Curves: "X448"})
	if !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrInvalid) {
		t.Errorf("got %v, want ErrUnsupported and not ErrInvalid", err)
	}
}

func TestClientCertificateIsSentWhateverCAsTheBrokerNames(t *testing.T) {
	// The broker names only its own client CA; the client's certificate
	// is from another. OpenSSL sends it anyway, and so do we, so that the
	// broker refuses it with "bad certificate" rather than the client
	// silently sending none.
	p := newPKI(t)
	stranger := newPKI(t)
	props := p.props()
	props.CertLocation, props.KeyLocation = stranger.certFile, stranger.keyFile
	cfg, err := Build(props)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.GetClientCertificate(&tls.CertificateRequestInfo{AcceptableCAs: [][]byte{p.clientCA.Cert.RawSubject}})
	if err != nil || got.Leaf == nil || !got.Leaf.Equal(stranger.client.Cert) {
		t.Fatalf("got %v, %v; want the configured certificate", got, err)
	}
	_, serr := handshake(t, props, "localhost", p.mutualConfig)
	if serr == nil {
		t.Fatal("got no server error, want the broker to refuse the client's certificate")
	}
}
