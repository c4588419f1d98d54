package broker

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/observe"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// reqHeader is what the scripted broker reads of each request.
type reqHeader struct {
	key, version int16
	corr         int32
}

// answerFunc writes whatever a scripted broker sends for one request, using
// the frame helpers; it returns false to hang up.
type answerFunc func(w io.Writer, h reqHeader) bool

// dialScripted connects to an in-memory broker that negotiates ApiVersions
// like a real one (Metadata up to v12) and answers every other request with
// answer. It reads pipeline requests before it answers them in order, so
// that that many are waiting when a fault hits. The broker's goroutine ends
// when either side closes; the test waits for it.
func dialScripted(t testing.TB, cfg Config, pipeline int, answer answerFunc) *Conn {
	t.Helper()
	cli, srv := net.Pipe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer srv.Close()
		var waiting []reqHeader
		for {
			h, err := readRequest(srv)
			if err != nil {
				return
			}
			if h.key == kmsg.ApiVersions.Int16() {
				if _, err := srv.Write(apiVersionsFrame(h)); err != nil {
					return
				}
				continue
			}
			if waiting = append(waiting, h); len(waiting) < pipeline {
				continue
			}
			for _, h := range waiting {
				if !answer(srv, h) {
					return
				}
			}
			waiting = waiting[:0]
		}
	}()
	t.Cleanup(wg.Wait)
	cfg.Dial = func(context.Context, string, string) (net.Conn, error) { return cli, nil }
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := NewConnector(cfg).Connect(ctx, observe.Node{ID: -1, Addr: "scripted:9092"})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close(nil) })
	return c
}

// readRequest reads one request frame and returns its header.
func readRequest(r io.Reader) (reqHeader, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return reqHeader{}, err
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(r, body); err != nil {
		return reqHeader{}, err
	}
	return reqHeader{
		key:     int16(binary.BigEndian.Uint16(body)),
		version: int16(binary.BigEndian.Uint16(body[2:])),
		corr:    int32(binary.BigEndian.Uint32(body[4:])),
	}, nil
}

// apiVersionsFrame answers ApiVersions at the version asked for.
func apiVersionsFrame(h reqHeader) []byte {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = h.version
	for _, k := range []kmsg.Key{kmsg.ApiVersions, kmsg.Metadata, kmsg.Produce} {
		ak := kmsg.NewApiVersionsResponseApiKey()
		ak.ApiKey = k.Int16()
		ak.MaxVersion = 12
		if k == kmsg.ApiVersions {
			ak.MaxVersion = 3
		}
		resp.ApiKeys = append(resp.ApiKeys, ak)
	}
	return frame(h.corr, false, resp.AppendTo(nil))
}

// frame wraps a response body: length, correlation id, the empty tagged
// field section of a flexible response header, then body.
func frame(corr int32, flexible bool, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	if flexible {
		b = append(b, 0)
	}
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// metadataFrame is a well-formed Metadata response for h.
func metadataFrame(h reqHeader) []byte {
	resp := kmsg.NewPtrMetadataResponse()
	resp.Version = h.version
	b := kmsg.NewMetadataResponseBroker()
	b.NodeID, b.Host, b.Port = 1, "localhost", 9092
	resp.Brokers = append(resp.Brokers, b)
	return frame(h.corr, resp.IsFlexible(), resp.AppendTo(nil))
}

// metadataRequest is the request the tests send; its version is the one
// the scripted broker negotiates, so its response is flexible.
func metadataRequest() *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 12
	return req
}

// result is one request's completion.
type result struct {
	resp kmsg.Response
	err  error
}

// sendAll pipelines n Metadata requests and returns a channel of their
// completions, failing the test if any completes twice.
func sendAll(t *testing.T, c *Conn, n int) <-chan result {
	t.Helper()
	ch := make(chan result, n)
	for i := range n {
		var calls sync.Map
		if err := c.Send(metadataRequest(), func(r kmsg.Response, err error) {
			if _, dup := calls.LoadOrStore(i, true); dup {
				t.Errorf("request %d completed twice", i)
			}
			ch <- result{r, err}
		}); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	return ch
}

// awaitResults returns n completions or fails the test after within.
func awaitResults(t *testing.T, ch <-chan result, n int, within time.Duration) []result {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	out := make([]result, 0, n)
	for len(out) < n {
		select {
		case r := <-ch:
			out = append(out, r)
		case <-timer.C:
			t.Fatalf("got %d completions within %v, want %d", len(out), within, n)
		}
	}
	return out
}

// requireClosed checks that c closed with an error wrapping want and that
// its reader exited.
func requireClosed(t *testing.T, c *Conn, want error) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("connection still open 5s after the fault")
	}
	if err := c.Err(); !errors.Is(err, want) {
		t.Errorf("connection closed with %v, want an error wrapping %v", err, want)
	}
	if err := c.Send(metadataRequest(), func(kmsg.Response, error) { t.Error("done called for a request refused by a closed connection") }); err == nil {
		t.Error("Send on a closed connection: got nil error")
	}
}

func TestMalformedResponseFailsEveryWaitingRequestWithAProtocolError(t *testing.T) {
	cases := []struct {
		name    string
		respond func(h reqHeader) []byte // the first response; the second request gets a good one
		msg     string                   // in the error of every request
	}{
		{"a response with the wrong correlation id", func(h reqHeader) []byte {
			return metadataFrame(reqHeader{h.key, h.version, h.corr + 100})
		}, "correlation id"},
		{"a response with the next request's correlation id", func(h reqHeader) []byte {
			return metadataFrame(reqHeader{h.key, h.version, h.corr + 1})
		}, "correlation id"},
		{"a length prefix of 0x7fffffff", func(h reqHeader) []byte {
			b := metadataFrame(h)
			binary.BigEndian.PutUint32(b, 0x7fffffff)
			return b
		}, "response size"},
		{"a negative length prefix", func(h reqHeader) []byte {
			b := metadataFrame(h)
			binary.BigEndian.PutUint32(b, 0xffffff00)
			return b
		}, "response size"},
		{"a length prefix too short for a correlation id", func(h reqHeader) []byte {
			return []byte{0, 0, 0, 2, 0, 0, 0, 0}
		}, "response size"},
		{"a body cut short inside a well-formed frame", func(h reqHeader) []byte {
			b := metadataFrame(h)
			return frame(h.corr, false, b[8:len(b)-3])
		}, "Metadata response"},
		{"a flexible header whose tagged field runs past the frame", func(h reqHeader) []byte {
			return frame(h.corr, false, []byte{1, 0, 100, 1, 2})
		}, "Metadata response"},
		{"garbage bytes in place of the body", func(h reqHeader) []byte {
			return frame(h.corr, false, []byte{0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff})
		}, "Metadata response"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first := true
			c := dialScripted(t, Config{RequestTimeout: 10 * time.Second}, 2, func(w io.Writer, h reqHeader) bool {
				b := metadataFrame(h)
				if first {
					first = false
					b = tc.respond(h)
				}
				_, err := w.Write(b)
				return err == nil
			})
			for i, r := range awaitResults(t, sendAll(t, c, 2), 2, 5*time.Second) {
				if r.resp != nil {
					t.Errorf("request %d: got a response %T, want none", i, r.resp)
				}
				if !errors.Is(r.err, ErrProtocol) {
					t.Errorf("request %d: got error %v, want one wrapping ErrProtocol", i, r.err)
				}
				if r.err != nil && (!strings.Contains(r.err.Error(), tc.msg) || !strings.Contains(r.err.Error(), c.Addr())) {
					t.Errorf("request %d: error %q does not say %q and name %s", i, r.err, tc.msg, c.Addr())
				}
			}
			requireClosed(t, c, ErrProtocol)
		})
	}
}

// TestOversizedLengthPrefixIsRefusedBeforeReadingTheBody: a length prefix
// far above any real response (librdkafka refuses anything over
// receive.message.max.bytes, 100 MB by default, with "Invalid response
// size") must close the connection at once, not allocate the claimed size
// and wait for it until the request times out.
func TestOversizedLengthPrefixIsRefusedBeforeReadingTheBody(t *testing.T) {
	c := dialScripted(t, Config{RequestTimeout: time.Second}, 1, func(w io.Writer, h reqHeader) bool {
		b := metadataFrame(h)
		binary.BigEndian.PutUint32(b, 512<<20) // 512 MiB, under the 1 GiB the reader accepts
		_, err := w.Write(b)
		return err == nil
	})
	start := time.Now()
	r := awaitResults(t, sendAll(t, c, 1), 1, 5*time.Second)[0]
	if !errors.Is(r.err, ErrProtocol) {
		t.Errorf("got error %v after %v, want ErrProtocol (response size) at once", r.err, time.Since(start).Round(time.Millisecond))
	}
	requireClosed(t, c, ErrProtocol)
}

func TestResponseCutShortByAHangUpFailsWithAReadError(t *testing.T) {
	c := dialScripted(t, Config{RequestTimeout: 10 * time.Second}, 2, func(w io.Writer, h reqHeader) bool {
		b := metadataFrame(h)
		_, _ = w.Write(b[:len(b)/2])
		return false // hang up mid-body
	})
	for i, r := range awaitResults(t, sendAll(t, c, 2), 2, 5*time.Second) {
		if r.resp != nil || r.err == nil {
			t.Fatalf("request %d: got (%v, %v), want an error", i, r.resp, r.err)
		}
		if !errors.Is(r.err, io.ErrUnexpectedEOF) || !strings.Contains(r.err.Error(), c.Addr()) {
			t.Errorf("request %d: got %q, want an unexpected EOF naming %s", i, r.err, c.Addr())
		}
	}
	requireClosed(t, c, io.ErrUnexpectedEOF)
}

func TestHangUpBetweenResponsesFailsTheRestWithErrClosed(t *testing.T) {
	answered := 0
	c := dialScripted(t, Config{RequestTimeout: 10 * time.Second}, 3, func(w io.Writer, h reqHeader) bool {
		if answered == 1 {
			return false
		}
		answered++
		_, err := w.Write(metadataFrame(h))
		return err == nil
	})
	rs := awaitResults(t, sendAll(t, c, 3), 3, 5*time.Second)
	if rs[0].err != nil {
		t.Fatalf("first request: got %v, want its response", rs[0].err)
	}
	for i, r := range rs[1:] {
		if !errors.Is(r.err, ErrClosed) {
			t.Errorf("request %d: got %v, want ErrClosed", i+1, r.err)
		}
	}
	requireClosed(t, c, ErrClosed)
}

func TestUnansweredRequestTimesOutAndClosesTheConnection(t *testing.T) {
	c := dialScripted(t, Config{RequestTimeout: 100 * time.Millisecond}, 1, func(io.Writer, reqHeader) bool {
		return true // read, never answer
	})
	for i, r := range awaitResults(t, sendAll(t, c, 2), 2, 5*time.Second) {
		if !errors.Is(r.err, ErrTimeout) {
			t.Errorf("request %d: got %v, want ErrTimeout", i, r.err)
		}
	}
	requireClosed(t, c, ErrTimeout)
}

func TestWellFormedPipelinedResponsesAreMatchedInOrder(t *testing.T) {
	c := dialScripted(t, Config{RequestTimeout: 10 * time.Second}, 5, func(w io.Writer, h reqHeader) bool {
		_, err := w.Write(metadataFrame(h))
		return err == nil
	})
	for i, r := range awaitResults(t, sendAll(t, c, 5), 5, 5*time.Second) {
		if r.err != nil {
			t.Fatalf("request %d: %v", i, r.err)
		}
		if m := r.resp.(*kmsg.MetadataResponse); len(m.Brokers) != 1 || m.Brokers[0].Host != "localhost" {
			t.Errorf("request %d: got brokers %+v, want localhost:9092", i, m.Brokers)
		}
	}
	if c.Err() != nil {
		t.Errorf("connection closed with %v after good responses", c.Err())
	}
}

// TestHugeTaggedFieldCountFailsQuickly: a response whose tagged-field
// count is 2^32-1 with nothing after it must fail at once. kmsg v1.15.0
// kept looping after its input ran out, so the connection's reader spun
// for minutes, where no deadline can stop it; kprod requires v1.15.1, and
// sends flexible versions of the transactional requests.
func TestHugeTaggedFieldCountFailsQuickly(t *testing.T) {
	for _, req := range []kmsg.Request{
		&kmsg.MetadataRequest{Version: MaxMetadataVersion},
		&kmsg.InitProducerIDRequest{Version: MaxInitProducerIDVersion},
		&kmsg.ProduceRequest{Version: MaxProduceVersion},
		&kmsg.ApiVersionsRequest{Version: MaxApiVersionsVersion},
		&kmsg.EndTxnRequest{Version: 3},
		&kmsg.TxnOffsetCommitRequest{Version: 3},
		&kmsg.AddPartitionsToTxnRequest{Version: 3},
	} {
		t.Run(kmsg.NameForKey(req.Key()), func(t *testing.T) {
			body := responseBody(req.ResponseKind())
			if req.IsFlexible() {
				body = body[:len(body)-1] // the response's own empty tagged fields
			}
			body = append(body, 0xff, 0xff, 0xff, 0xff, 0x0f) // a tag count of 2^32-1
			if _, err := decodeWithin(t, time.Second, req, body); err != nil {
				t.Logf("decoding failed as it may: %v", err)
			}
		})
	}
}
