package faultconn

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// echoBroker accepts connections and answers every request frame with a
// response frame carrying its correlation id and the body "ok".
func echoBroker(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				for {
					var hdr [12]byte
					if _, err := io.ReadFull(c, hdr[:]); err != nil {
						return
					}
					if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(hdr[:4]))-8); err != nil {
						return
					}
					if _, err := c.Write(responseFrame(int32(binary.BigEndian.Uint32(hdr[8:])), "ok")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func requestFrame(key, version int16, corr int32, body string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	return append(b, body...)
}

func responseFrame(corr int32, body string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	return append(b, body...)
}

func dial(t *testing.T, d *Dialer, addr string) net.Conn {
	t.Helper()
	c, err := d.Dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

func readFrame(t *testing.T, c net.Conn, n int) ([]byte, error) {
	t.Helper()
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	return b, err
}

func TestFaultSeesWhichRequestEachResponseAnswers(t *testing.T) {
	addr := echoBroker(t)
	var d Dialer
	var mu sync.Mutex
	var seen []Response
	d.SetFault(func(r Response) ([]byte, bool) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		return r.Frame, false
	})
	c := dial(t, &d, addr)
	// Two requests in one write, the second split across two writes.
	both := append(requestFrame(0, 9, 1, "produce"), requestFrame(3, 12, 2, "metadata")...)
	for _, part := range [][]byte{both[:20], both[20:]} {
		if _, err := c.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	for corr := int32(1); corr <= 2; corr++ {
		got, err := readFrame(t, c, 10)
		if err != nil {
			t.Fatal(err)
		}
		if want := responseFrame(corr, "ok"); string(got) != string(want) {
			t.Errorf("got %x, want %x", got, want)
		}
	}
	want := []Response{{Conn: 1, Key: 0, Version: 9, CorrID: 1}, {Conn: 1, Key: 3, Version: 12, CorrID: 2}}
	if len(seen) != len(want) {
		t.Fatalf("fault saw %d responses, want %d", len(seen), len(want))
	}
	for i, r := range seen {
		if r.Conn != want[i].Conn || r.Key != want[i].Key || r.Version != want[i].Version || r.CorrID != want[i].CorrID {
			t.Errorf("response %d: got %+v, want %+v", i, r, want[i])
		}
	}
	if d.Dials() != 1 {
		t.Errorf("got %d dials, want 1", d.Dials())
	}
	if got := [3]int{d.Written(0), d.Written(3), d.Written(1)}; got != [3]int{1, 1, 0} {
		t.Errorf("requests written by key (produce, metadata, fetch): got %v, want [1 1 0]", got)
	}
}

func TestOnceRewritesTheFirstResponseToItsKeyOnly(t *testing.T) {
	addr := echoBroker(t)
	var d Dialer
	fault, fired := Once(0, func(r Response) ([]byte, bool) {
		binary.BigEndian.PutUint32(r.Frame[4:], 99)
		return r.Frame, false
	})
	d.SetFault(fault)
	c := dial(t, &d, addr)
	for i, req := range []struct {
		key      int16
		corr     int32
		wantCorr int32
	}{{3, 1, 1}, {0, 2, 99}, {0, 3, 3}} {
		if _, err := c.Write(requestFrame(req.key, 0, req.corr, "")); err != nil {
			t.Fatal(err)
		}
		got, err := readFrame(t, c, 10)
		if err != nil {
			t.Fatal(err)
		}
		if corr := int32(binary.BigEndian.Uint32(got[4:])); corr != req.wantCorr {
			t.Errorf("response %d: got correlation id %d, want %d", i, corr, req.wantCorr)
		}
	}
	if !fired() {
		t.Error("Once did not report that it fired")
	}
}

func TestHangUpDeliversTheBytesThenEOF(t *testing.T) {
	addr := echoBroker(t)
	var d Dialer
	d.SetFault(func(r Response) ([]byte, bool) { return r.Frame[:6], true })
	c := dial(t, &d, addr)
	if _, err := c.Write(requestFrame(0, 0, 1, "")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := responseFrame(1, "ok")[:6]; string(got) != string(want) {
		t.Errorf("got %x before EOF, want %x", got, want)
	}
	if _, err := c.Write(requestFrame(0, 0, 2, "")); err == nil {
		t.Error("write after the hang-up succeeded")
	}
}

func TestAReadDeadlineMidFrameKeepsWhatWasRead(t *testing.T) {
	srv, cli := net.Pipe()
	defer srv.Close()
	c := &conn{Conn: cli, d: &Dialer{}, id: 1, reqs: map[int32]reqInfo{}}
	defer c.Close()
	frame := responseFrame(7, "hello")
	go func() { _, _ = srv.Write(frame[:5]) }()
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var ne net.Error
	if _, err := c.Read(make([]byte, 16)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	go func() { _, _ = srv.Write(frame[5:]) }()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := readFrame(t, c, len(frame))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(frame) {
		t.Errorf("got %x, want %x", got, frame)
	}
}
