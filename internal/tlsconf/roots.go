package tlsconf

import (
	"crypto/x509"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// probe is librdkafka's ssl.ca.location value for "find the system's CA
// certificates".
const probe = "probe"

// loadRoots returns the roots that broker certificates must chain to, or
// nil for the system's roots (ssl.ca.location unset or "probe", and no
// ssl.ca.pem). Given CA certificates replace the system roots, except with
// "probe", which adds ssl.ca.pem to them.
func loadRoots(p Properties) (*x509.CertPool, error) {
	loc := p.CALocation
	if (loc == "" || loc == probe) && p.CAPEM == "" {
		return nil, nil
	}
	pool := x509.NewCertPool()
	switch loc {
	case "":
	case probe:
		sys, err := x509.SystemCertPool()
		if err != nil {
			return nil, invalid("ssl.ca.location", loc, err)
		}
		pool = sys
	default:
		if err := addLocation(pool, loc); err != nil {
			return nil, err
		}
	}
	if p.CAPEM != "" {
		s := source{property: "ssl.ca.pem", data: []byte(p.CAPEM)}
		certs, err := s.certificates()
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
	}
	return pool, nil
}

// addLocation adds the certificates of ssl.ca.location, a file or a
// directory, to pool.
func addLocation(pool *x509.CertPool, loc string) error {
	f, err := os.Open(loc)
	if err != nil {
		return invalid("ssl.ca.location", loc, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return invalid("ssl.ca.location", loc, err)
	}
	if fi.IsDir() {
		return addDirectory(pool, f)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return invalid("ssl.ca.location", loc, err)
	}
	certs, err := source{property: "ssl.ca.location", path: loc, data: data}.certificates()
	if err != nil {
		return err
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return nil
}

// addDirectory adds every certificate found in the regular files of dir
// (following symbolic links, as OpenSSL's hashed names often are). Files
// that are not PEM certificates are skipped, as OpenSSL skips them; a
// directory with none at all is an error, because no broker could be
// verified.
func addDirectory(pool *x509.CertPool, d *os.File) error {
	dir := d.Name()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return invalid("ssl.ca.location", dir, err)
	}
	n := 0
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		certs, err := parseCertificates(data)
		if err != nil {
			continue
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
		n += len(certs)
	}
	if n == 0 {
		return invalid("ssl.ca.location", dir, errors.New("no PEM certificate found in the directory"))
	}
	return nil
}
