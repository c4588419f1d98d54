package tlsconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kprod-go/kprod/internal/testcert"
)

func TestRoots(t *testing.T) {
	p := newPKI(t)
	other := testcert.NewCA(t, "Other CA")
	// A directory as OpenSSL's c_rehash leaves it: a hashed name that is a
	// symbolic link, another CA, and files that are not certificates.
	dir := filepath.Join(p.dir, "cadir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	testcert.Write(t, dir, "other.crt", other.PEM)
	testcert.Write(t, dir, "README", []byte("not a certificate"))
	if err := os.Symlink(p.caFile, filepath.Join(dir, "abcd1234.0")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		set  func(*Properties)
	}{
		{"a CA file verifies the broker", func(pr *Properties) { pr.CALocation = p.caFile }},
		{"a CA directory verifies the broker", func(pr *Properties) { pr.CALocation = dir }},
		{"a CA PEM string verifies the broker", func(pr *Properties) { pr.CAPEM = string(p.ca.PEM) }},
		{"a CA bundle with the broker's CA second verifies the broker", func(pr *Properties) {
			pr.CAPEM = string(other.PEM) + string(p.ca.PEM)
		}},
		{"ssl.ca.pem adds to ssl.ca.location", func(pr *Properties) {
			pr.CALocation = testcert.Write(t, p.dir, "other.pem", other.PEM)
			pr.CAPEM = string(p.ca.PEM)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := Defaults()
			c.set(&props)
			mustHandshake(t, props, "localhost", p.serverConfig)
		})
	}

	t.Run("a CA the broker's certificate does not chain to fails the handshake", func(t *testing.T) {
		props := Defaults()
		props.CAPEM = string(other.PEM)
		cerr, _ := handshake(t, props, "localhost", p.serverConfig)
		wantVerifyError(t, cerr, "x509: certificate signed by unknown authority")
	})
}

func TestSystemRoots(t *testing.T) {
	for _, loc := range []string{"", "probe"} {
		t.Run("ssl.ca.location "+loc+" means the system roots", func(t *testing.T) {
			props := Defaults()
			props.CALocation = loc
			cfg, err := Build(props)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.RootCAs != nil {
				t.Fatalf("got RootCAs %v, want nil (the system's)", cfg.RootCAs)
			}
		})
	}
	t.Run("probe with ssl.ca.pem adds the PEM to the system roots", func(t *testing.T) {
		p := newPKI(t)
		props := Defaults()
		props.CALocation, props.CAPEM = "probe", string(p.ca.PEM)
		mustHandshake(t, props, "localhost", p.serverConfig)
	})
}

func TestRootErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	junk := testcert.Write(t, dir, "junk.pem", []byte("junk"))
	cases := []struct {
		name     string
		props    Properties
		property string
		want     string
	}{
		{"a missing CA file names the property and the file",
			Properties{CALocation: "/x"}, "ssl.ca.location",
			`ssl.ca.location "/x": open /x: no such file or directory`},
		{"a CA file without certificates fails",
			Properties{CALocation: junk}, "ssl.ca.location", "no PEM certificate found"},
		{"a CA directory without certificates fails",
			Properties{CALocation: empty}, "ssl.ca.location", "no PEM certificate found in the directory"},
		{"a CA PEM string without certificates fails",
			Properties{CAPEM: "junk"}, "ssl.ca.pem", "ssl.ca.pem: no PEM certificate found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(c.props)
			wantError(t, err, ErrInvalid, c.property, c.want)
		})
	}
	t.Run("a missing CA file wraps fs.ErrNotExist", func(t *testing.T) {
		if _, err := Build(Properties{CALocation: "/x"}); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v, want it to wrap fs.ErrNotExist", err)
		}
	})
}
