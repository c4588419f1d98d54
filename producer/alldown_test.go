package producer_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
)

// switchDialer dials for real while up, refuses while down, and can cut
// every connection it made.
type switchDialer struct {
	down     atomic.Bool
	attempts atomic.Int32 // dials tried while down
	mu       sync.Mutex
	conns    []net.Conn
}

func (d *switchDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.down.Load() {
		d.attempts.Add(1)
		return nil, errors.New("network down")
	}
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, network, addr)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, nc)
		d.mu.Unlock()
	}
	return nc, err
}

// cut closes every connection made so far.
func (d *switchDialer) cut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, nc := range d.conns {
		nc.Close()
	}
}

// allDownEvents polls p until within passes and counts the
// ErrAllBrokersDown events, failing on any other event but a failed
// connection's own (ErrTransport).
func allDownEvents(t *testing.T, p *producer.Producer, within time.Duration) int {
	t.Helper()
	n := 0
	for deadline := time.Now().Add(within); time.Now().Before(deadline); {
		switch e := p.Poll(10 * time.Millisecond).(type) {
		case nil:
		case producer.Error:
			if e.Code() == producer.ErrTransport {
				continue
			}
			require.Equal(t, producer.ErrAllBrokersDown, e.Code(), "event %v", e)
			n++
		default:
			t.Fatalf("unexpected event %T: %v", e, e)
		}
	}
	return n
}

// TestAllBrokersDownIsRaisedOncePerOutage: while no broker can be reached,
// metadata refreshes keep failing, and the application hears of it once;
// after a broker answered, the next outage is reported again.
func TestAllBrokersDownIsRaisedOncePerOutage(t *testing.T) {
	c := newCluster(t)
	d := &switchDialer{}
	d.down.Store(true)
	p := newProducer(t, c, producer.ConfigMap{"topic.metadata.refresh.fast.interval.ms": 5, "linger.ms": 0},
		producer.WithDialer(d.dial))
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("waits")}, nil))
	// Each refresh tries the three bootstrap servers; wait for three.
	waitFor(t, 10*time.Second, "three failed refreshes", func() bool { return d.attempts.Load() >= 9 })
	require.Equal(t, 1, allDownEvents(t, p, 100*time.Millisecond), "ErrAllBrokersDown events in the first outage")

	d.down.Store(false)
	require.NoError(t, pollReports(t, p, 1, 10*time.Second)[0].Err)

	d.attempts.Store(0)
	d.down.Store(true)
	d.cut()
	// The next batch finds its connection lost, which triggers a refresh.
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("waits too")}, nil))
	waitFor(t, 10*time.Second, "three failed refreshes", func() bool { return d.attempts.Load() >= 9 })
	require.Equal(t, 1, allDownEvents(t, p, 100*time.Millisecond), "ErrAllBrokersDown events in the second outage")
}
