package tlsconf

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/testcert"
)

// handshake connects a client built from props to a loopback server using
// server, naming the broker host, and returns each side's error. The
// client reads a greeting after its handshake, so a server that refuses
// the client's certificate after a TLS 1.3 handshake still shows as a
// client error.
func handshake(t testing.TB, props Properties, host string, server *tls.Config) (clientErr, serverErr error) {
	t.Helper()
	cfg, err := Build(props)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return handshakeConfig(t, ForHost(cfg, host), server)
}

// handshakeConfig is handshake with the client's config as given.
func handshakeConfig(t testing.TB, client, server *tls.Config) (clientErr, serverErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	serverDone := make(chan error, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			serverDone <- err
			return
		}
		defer raw.Close()
		_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
		conn := tls.Server(raw, server)
		if err := conn.Handshake(); err != nil {
			serverDone <- err
			return
		}
		_, err = conn.Write([]byte("ok"))
		serverDone <- err
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	conn := tls.Client(raw, client)
	clientErr = conn.Handshake()
	if clientErr == nil {
		_, clientErr = io.ReadFull(conn, make([]byte, 2))
	}
	raw.Close()
	return clientErr, <-serverDone
}

// mustHandshake fails the test unless both sides of handshake succeed.
func mustHandshake(t testing.TB, props Properties, host string, server *tls.Config) {
	t.Helper()
	if cerr, serr := handshake(t, props, host, server); cerr != nil || serr != nil {
		t.Fatalf("handshake: got client error %v, server error %v; want both nil", cerr, serr)
	}
}

// wantVerifyError checks that err is crypto/tls's certificate verification
// failure whose message contains want.
func wantVerifyError(t testing.TB, err error, want string) {
	t.Helper()
	var ve *tls.CertificateVerificationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %v, want a *tls.CertificateVerificationError", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("got error %q, want it to contain %q", err, want)
	}
}

// wantError checks that err is an *Error for property whose message
// contains want and that wraps kind.
func wantError(t testing.TB, err error, kind error, property, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want an *Error", err)
	}
	if e.Property != property {
		t.Errorf("got property %q, want %q (error %q)", e.Property, property, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("got error %q, want it to wrap %v", err, kind)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("got error %q, want it to contain %q", err, want)
	}
}

// pki is a test's certificates: a CA that signs the broker's certificate
// and another that signs the client's.
type pki struct {
	ca, clientCA *testcert.CA
	server       *testcert.Leaf // for localhost and 127.0.0.1
	client       *testcert.Leaf
	dir          string
	caFile       string      // ca's certificate
	certFile     string      // client's certificate
	keyFile      string      // client's key, unencrypted PKCS#8
	serverConfig *tls.Config // server-authenticated only
	mutualConfig *tls.Config // requires a client certificate of clientCA
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	p := &pki{
		ca:       testcert.NewCA(t, "Test Broker CA"),
		clientCA: testcert.NewCA(t, "Test Client CA"),
		dir:      t.TempDir(),
	}
	p.server = p.ca.Issue(t, "broker", testcert.Options{})
	p.client = p.clientCA.Issue(t, "client", testcert.Options{Client: true})
	p.caFile = testcert.Write(t, p.dir, "ca.pem", p.ca.PEM)
	p.certFile = testcert.Write(t, p.dir, "client.pem", p.client.CertPEM)
	p.keyFile = testcert.Write(t, p.dir, "client.key", p.client.KeyPEM)
	p.serverConfig = testcert.ServerTLS(p.server, nil)
	p.mutualConfig = testcert.ServerTLS(p.server, p.clientCA)
	return p
}

// props returns Defaults trusting the broker CA's file.
func (p *pki) props() Properties {
	props := Defaults()
	props.CALocation = p.caFile
	return props
}

// revocationList returns a DER CRL signed by ca that revokes serials.
func revocationList(t testing.TB, ca *testcert.CA, thisUpdate, nextUpdate time.Time, serials ...*big.Int) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: thisUpdate, NextUpdate: nextUpdate}
	for _, s := range serials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: s, RevocationTime: thisUpdate})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		t.Fatalf("create CRL: %v", err)
	}
	return der
}
