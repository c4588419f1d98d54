package tlsconf

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strconv"
)

// source is PEM text and the property it came from: a file named by a
// *.location property, or the text of a *.pem property.
type source struct {
	property string // "ssl.certificate.location" or "ssl.certificate.pem"
	path     string // the file, for a location; empty for inline PEM
	data     []byte
}

// fileSource reads the file named by property.
func fileSource(property, path string) (source, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return source{}, invalid(property, path, err)
	}
	return source{property: property, path: path, data: data}, nil
}

// pickSource returns the source of a value that may come from a file
// (locProp) or inline (pemProp); the zero source when neither is set.
// Setting both is an error: librdkafka would load one over the other,
// silently.
func pickSource(locProp, loc, pemProp, pemText string) (source, error) {
	switch {
	case loc != "" && pemText != "":
		return source{}, invalid(pemProp, "", errors.New("cannot be set together with "+locProp))
	case loc != "":
		return fileSource(locProp, loc)
	case pemText != "":
		return source{property: pemProp, data: []byte(pemText)}, nil
	}
	return source{}, nil
}

// name is the property and file as an error shows them:
// `ssl.key.location "/k.pem"` or `ssl.key.pem`.
func (s source) name() string {
	if s.path == "" {
		return s.property
	}
	return s.property + " " + strconv.Quote(s.path)
}

// invalid returns an ErrInvalid error about s.
func (s source) invalid(err error) *Error { return invalid(s.property, s.path, err) }

// certificates returns every CERTIFICATE block in s, parsed, in order;
// other blocks (a key in the same file, parameters) are skipped. A file
// with no certificate at all is an error.
func (s source) certificates() ([]*x509.Certificate, error) {
	certs, err := parseCertificates(s.data)
	if err != nil {
		return nil, s.invalid(err)
	}
	if len(certs) == 0 {
		return nil, s.invalid(errNoCertificate)
	}
	return certs, nil
}

// errNoCertificate is the cause when PEM text holds no certificate.
var errNoCertificate = errors.New("no PEM certificate found")

// parseCertificates returns the CERTIFICATE blocks of data, parsed.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return certs, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
}
