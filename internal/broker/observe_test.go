package broker

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/observe"
	"github.com/kprod-go/kprod/internal/observe/observetest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// throttledMetadataFrame is a well-formed Metadata response for h that asks
// the client to wait ms milliseconds.
func throttledMetadataFrame(h reqHeader, ms int32) []byte {
	resp := kmsg.NewPtrMetadataResponse()
	resp.Version = h.version
	resp.ThrottleMillis = ms
	return frame(h.corr, resp.IsFlexible(), resp.AppendTo(nil))
}

func TestObserverHearsConnectRequestsResponsesThrottlesAndDisconnect(t *testing.T) {
	var rec observetest.Recorder
	var sizes []int // response frames the broker wrote, in order
	c := dialScripted(t, Config{Observer: &rec}, 1, func(w io.Writer, h reqHeader) bool {
		f := throttledMetadataFrame(h, 7)
		sizes = append(sizes, len(f))
		_, err := w.Write(f)
		return err == nil
	})
	awaitResults(t, sendAll(t, c, 3), 3, 5*time.Second)
	c.Close(nil)

	node := observe.Node{ID: -1, Addr: "scripted:9092"}
	if got := rec.Connects(); len(got) != 1 || got[0].Err != nil || got[0].Node != node {
		t.Fatalf("connects %+v, want one, without error, to %+v", got, node)
	}
	written, read := rec.Written(), rec.Read()
	if len(written) != 4 || len(read) != 4 { // ApiVersions, then 3 Metadata
		t.Fatalf("%d requests written and %d responses read, want 4 and 4", len(written), len(read))
	}
	for i, w := range written {
		wantKey := kmsg.Metadata.Int16()
		if i == 0 {
			wantKey = kmsg.ApiVersions.Int16()
		}
		if w.Key != wantKey || w.Err != nil || w.Bytes <= 0 || w.NoResponse || w.Node != node {
			t.Errorf("request %d written as %+v, want key %d, some bytes, no error", i, w, wantKey)
		}
		if r := read[i]; r.Key != wantKey || r.Err != nil || r.RTT < 0 {
			t.Errorf("response %d read as %+v, want key %d, no error", i, r, wantKey)
		}
	}
	for i, size := range sizes {
		if got := read[i+1].Bytes; got != size {
			t.Errorf("Metadata response %d: %d bytes read, want the %d the broker wrote", i, got, size)
		}
	}
	throttles := rec.Throttles()
	if len(throttles) != 3 {
		t.Fatalf("%d throttles, want 3", len(throttles))
	}
	for _, th := range throttles {
		if th.Time != 7*time.Millisecond || th.Key != kmsg.Metadata.Int16() || !th.AfterResponse {
			t.Errorf("throttle %+v, want 7ms on Metadata, applied after the response", th)
		}
	}
	if got := rec.Disconnects(); len(got) != 1 || !errors.Is(got[0].Err, ErrClosed) {
		t.Fatalf("disconnects %+v, want one with ErrClosed", got)
	}
	if u := rec.Unmatched(); len(u) != 0 {
		t.Fatalf("requests and responses do not match up: %v", u)
	}
}

func TestObserverHearsATimeoutAsAnUnansweredRequest(t *testing.T) {
	var rec observetest.Recorder
	c := dialScripted(t, Config{Observer: &rec, RequestTimeout: 50 * time.Millisecond}, 1, func(io.Writer, reqHeader) bool {
		return true // never answers
	})
	res := awaitResults(t, sendAll(t, c, 2), 2, 5*time.Second)
	for _, r := range res {
		if !errors.Is(r.err, ErrTimeout) {
			t.Fatalf("request completed with %v, want ErrTimeout", r.err)
		}
	}
	requireClosed(t, c, ErrTimeout)
	read := rec.Read()
	if len(read) != 3 {
		t.Fatalf("%d responses read, want 3 (ApiVersions and two timeouts)", len(read))
	}
	for _, r := range read[1:] {
		if !errors.Is(r.Err, ErrTimeout) || r.Bytes != 0 || r.RTT < 50*time.Millisecond {
			t.Errorf("unanswered request reported as %+v, want ErrTimeout after 50ms or more, 0 bytes", r)
		}
	}
	if got := rec.Disconnects(); len(got) != 1 || !errors.Is(got[0].Err, ErrTimeout) {
		t.Fatalf("disconnects %+v, want one with ErrTimeout", got)
	}
	if u := rec.Unmatched(); len(u) != 0 {
		t.Fatalf("requests and responses do not match up: %v", u)
	}
}

func TestObserverHearsAFailedConnectAndNoDisconnect(t *testing.T) {
	var rec observetest.Recorder
	refused := errors.New("refused")
	k := NewConnector(Config{Observer: &rec, Dial: func(context.Context, string, string) (net.Conn, error) { return nil, refused }})
	if _, err := k.Connect(context.Background(), observe.Node{ID: 3, Addr: "gone:9092"}); !errors.Is(err, refused) {
		t.Fatalf("Connect: got %v, want the dial's error", err)
	}
	got := rec.Connects()
	if len(got) != 1 || !errors.Is(got[0].Err, refused) || got[0].Node.ID != 3 {
		t.Fatalf("connects %+v, want one failed attempt to node 3", got)
	}
	if d := rec.Disconnects(); len(d) != 0 {
		t.Fatalf("disconnects %+v after a failed connect, want none", d)
	}
}

func TestConnectRunsTheTLSAndSASLStepsInOrder(t *testing.T) {
	var steps []string
	cfg := Config{
		Handshake: func(_ context.Context, nc net.Conn, node observe.Node) (net.Conn, error) {
			steps = append(steps, "tls "+node.Addr)
			return nc, nil
		},
		Authenticate: func(_ context.Context, c *Conn) (time.Duration, error) {
			steps = append(steps, "sasl")
			if c.MaxVersion(kmsg.Metadata.Int16()) < 0 {
				t.Error("Authenticate ran before the versions were known")
			}
			return 0, nil
		},
	}
	c := dialScripted(t, cfg, 1, func(w io.Writer, h reqHeader) bool {
		_, err := w.Write(metadataFrame(h))
		return err == nil
	})
	if len(steps) != 2 || steps[0] != "tls scripted:9092" || steps[1] != "sasl" {
		t.Fatalf("steps %q, want TLS then SASL", steps)
	}
	if res := awaitResults(t, sendAll(t, c, 1), 1, 5*time.Second); res[0].err != nil {
		t.Fatal(res[0].err)
	}
}

func TestAFailedSASLStepClosesTheConnection(t *testing.T) {
	denied := errors.New("denied")
	cli, srv := net.Pipe()
	done := make(chan struct{})
	go func() { // answers ApiVersions, then reads until the client hangs up
		defer close(done)
		defer srv.Close()
		for {
			h, err := readRequest(srv)
			if err != nil {
				return
			}
			if _, err := srv.Write(apiVersionsFrame(h)); err != nil {
				return
			}
		}
	}()
	var rec observetest.Recorder
	k := NewConnector(Config{
		Observer:     &rec,
		Dial:         func(context.Context, string, string) (net.Conn, error) { return cli, nil },
		Authenticate: func(context.Context, *Conn) (time.Duration, error) { return 0, denied },
	})
	if _, err := k.Connect(context.Background(), observe.Node{ID: 1, Addr: "b:9092"}); !errors.Is(err, denied) {
		t.Fatalf("Connect: got %v, want the authentication's error", err)
	}
	<-done // the socket was closed
	if got := rec.Connects(); len(got) != 1 || !errors.Is(got[0].Err, denied) {
		t.Fatalf("connects %+v, want one failed", got)
	}
	if d := rec.Disconnects(); len(d) != 0 {
		t.Fatalf("disconnects %+v for a connection never ready, want none", d)
	}
}
