//go:build linux

package broker

import (
	"net"
	"syscall"
	"testing"
)

// sockopt reads an integer socket option of a TCP connection.
func sockopt(t *testing.T, tc *net.TCPConn, level, opt int) int {
	t.Helper()
	raw, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := raw.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

func TestTuneSocketAppliesNagleAndBufferSizes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dial := func(t *testing.T) *net.TCPConn {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return nc.(*net.TCPConn)
	}
	t.Run("the zero Config keeps Go's TCP_NODELAY", func(t *testing.T) {
		tc := dial(t)
		if err := (Config{}).tuneSocket(tc); err != nil {
			t.Fatal(err)
		}
		if got := sockopt(t, tc, syscall.IPPROTO_TCP, syscall.TCP_NODELAY); got == 0 {
			t.Errorf("TCP_NODELAY = %d, want on", got)
		}
	})
	t.Run("Nagle and buffer sizes are set", func(t *testing.T) {
		tc := dial(t)
		if err := (Config{Nagle: true, SendBuffer: 65536, ReceiveBuffer: 98304}).tuneSocket(tc); err != nil {
			t.Fatal(err)
		}
		if got := sockopt(t, tc, syscall.IPPROTO_TCP, syscall.TCP_NODELAY); got != 0 {
			t.Errorf("TCP_NODELAY = %d, want 0", got)
		}
		// Linux doubles the size asked for, to leave room for its bookkeeping.
		if got := sockopt(t, tc, syscall.SOL_SOCKET, syscall.SO_SNDBUF); got != 2*65536 {
			t.Errorf("SO_SNDBUF = %d, want %d", got, 2*65536)
		}
		if got := sockopt(t, tc, syscall.SOL_SOCKET, syscall.SO_RCVBUF); got != 2*98304 {
			t.Errorf("SO_RCVBUF = %d, want %d", got, 2*98304)
		}
	})
	t.Run("a connection that is not TCP is left alone", func(t *testing.T) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		if err := (Config{Nagle: true, SendBuffer: 1}).tuneSocket(a); err != nil {
			t.Errorf("tuneSocket(pipe) = %v, want nil", err)
		}
	})
}
