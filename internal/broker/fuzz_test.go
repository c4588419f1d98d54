package broker

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/kmsgspin"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// requestFor returns the request with key at a version within its range,
// or nil for a key kmsg does not know.
func requestFor(key, version int16) kmsg.Request {
	req := kmsg.RequestForKey(key)
	if req == nil {
		return nil
	}
	n := int(req.MaxVersion()) + 1
	req.SetVersion(int16((int(version)%n + n) % n))
	return req
}

// decodeWithin runs decode, failing the test if it takes longer than
// within: decoding runs on a connection's reader goroutine, where no
// deadline can interrupt it.
func decodeWithin(t *testing.T, within time.Duration, req kmsg.Request, body []byte) (kmsg.Response, error) {
	t.Helper()
	type result struct {
		resp kmsg.Response
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		resp, err := decode(req, body)
		ch <- result{resp, err}
	}()
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.resp, r.err
	case <-timer.C:
		t.Fatalf("decoding %d bytes as a %s v%d response took longer than %v: %x",
			len(body), kmsg.NameForKey(req.Key()), req.GetVersion(), within, body)
		return nil, nil
	}
}

// FuzzDecode feeds arbitrary bytes to decode as the response to any request
// kind at any version, flexible or not. decode must return a response or an
// error, never both, within a second, never panic (kmsg panics are caught
// and reported as a failure here, since decode would hide them as errors),
// and a response it accepts must survive re-encoding and decoding
// unchanged. Inputs that can hit kmsg's known tag-count spin are skipped
// while it lasts (kmsgspin.MaySpin).
func FuzzDecode(f *testing.F) {
	for _, key := range []kmsg.Key{kmsg.Produce, kmsg.Metadata, kmsg.ApiVersions, kmsg.InitProducerID} {
		req := kmsg.RequestForKey(key.Int16())
		for _, v := range []int16{0, req.MaxVersion() / 2, req.MaxVersion()} {
			req.SetVersion(v)
			resp := req.ResponseKind()
			f.Add(key.Int16(), v, responseBody(resp))
		}
	}
	f.Fuzz(func(t *testing.T, key, version int16, body []byte) {
		req := requestFor(key, version)
		if req == nil {
			return
		}
		if kmsgspin.MaySpin(req.IsFlexible(), body) {
			return
		}
		resp, err := decodeWithin(t, time.Second, req, body)
		if err != nil {
			if resp != nil {
				t.Fatalf("decode returned both a response and an error: %v", err)
			}
			if strings.Contains(err.Error(), "decoder panic") {
				t.Fatalf("%s v%d: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
			}
			return
		}
		if resp == nil {
			t.Fatal("decode returned neither a response nor an error")
		}
		if resp.Key() != req.Key() || resp.GetVersion() != req.GetVersion() {
			t.Fatalf("got a %s v%d response for a %s v%d request",
				kmsg.NameForKey(resp.Key()), resp.GetVersion(), kmsg.NameForKey(req.Key()), req.GetVersion())
		}
		again, err := decode(req, responseBody(resp))
		if err != nil {
			t.Fatalf("%s v%d: re-encoded response does not decode: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
		}
		if !reflect.DeepEqual(resp, again) {
			t.Fatalf("%s v%d: re-encoded response decodes differently:\n got %+v\nwant %+v", kmsg.NameForKey(req.Key()), req.GetVersion(), again, resp)
		}
	})
}

// responseBody encodes resp as decode expects it: the response header's
// tagged fields (flexible versions other than ApiVersions), then the body.
func responseBody(resp kmsg.Response) []byte {
	var b []byte
	if resp.IsFlexible() && resp.Key() != kmsg.ApiVersions.Int16() {
		b = append(b, 0)
	}
	return resp.AppendTo(b)
}

// FuzzSkipTags checks skipTags two ways. On arbitrary input it must not
// panic and must return a suffix of its input. And a tagged-field section
// built from fields (each field's tag, then its length-prefixed data, cut
// from the input by its first bytes) followed by tail must skip to exactly
// tail.
func FuzzSkipTags(f *testing.F) {
	f.Add([]byte{0}, []byte("tail"))
	f.Add([]byte{1, 0, 3, 'a', 'b', 'c'}, []byte{})
	f.Add([]byte{2, 0, 1, 'x', 7, 0}, []byte{0xff})
	f.Add([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, []byte(nil))
	f.Add([]byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, []byte("x"))
	f.Fuzz(func(t *testing.T, in, tail []byte) {
		if rest, err := skipTags(in); err == nil {
			if len(rest) >= len(in) || !bytes.Equal(in[len(in)-len(rest):], rest) {
				t.Fatalf("skipTags(%x) = %x, want a proper suffix of its input", in, rest)
			}
		}

		section := binary.AppendUvarint(nil, 0)
		var n uint64
		for fields := in; len(fields) > 0; n++ {
			size := min(int(fields[0]), len(fields)-1)
			section = binary.AppendUvarint(section, n*7) // any tag numbers will do
			section = binary.AppendUvarint(section, uint64(size))
			section = append(section, fields[1:1+size]...)
			fields = fields[1+size:]
		}
		section = append(binary.AppendUvarint(nil, n), section[1:]...)
		rest, err := skipTags(append(section, tail...))
		if err != nil {
			t.Fatalf("skipTags of a well-formed section of %d fields: %v", n, err)
		}
		if !bytes.Equal(rest, tail) {
			t.Fatalf("skipTags of a well-formed section of %d fields left %x, want the tail %x", n, rest, tail)
		}
	})
}
