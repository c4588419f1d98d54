package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// embedded is a one-broker kfake cluster serving TLS and SASL
// SCRAM-SHA-512, with a CA made for this run only.
type embedded struct {
	cluster        *kfake.Cluster
	dir            string
	addrs          string
	caFile         string
	user, password string
}

func startEmbedded(topic string) (*embedded, error) {
	dir, err := os.MkdirTemp("", "kprod-secure-")
	if err != nil {
		return nil, err
	}
	b := &embedded{dir: dir, user: "demo", password: "demo-password-" + randomHex(8)}
	serverTLS, caPEM, err := makeCerts()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b.caFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(b.caFile, caPEM, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b.cluster, err = kfake.NewCluster(
		kfake.NumBrokers(1), kfake.SeedTopics(3, topic),
		kfake.TLS(serverTLS),
		kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", b.user, b.password),
	)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start embedded broker: %w", err)
	}
	b.addrs = strings.Join(b.cluster.ListenAddrs(), ",")
	return b, nil
}

func (b *embedded) close() {
	b.cluster.Close()
	os.RemoveAll(b.dir)
}

// makeCerts makes a CA and a broker certificate for localhost and
// 127.0.0.1 signed by it.
func makeCerts() (*tls.Config, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kprod example CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
