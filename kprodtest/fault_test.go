package kprodtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kprodtest"
	"github.com/kprod-go/kprod/producer"
)

func TestARefusedProduceIsRetriedAndEveryMessageArrivesOnceInOrder(t *testing.T) {
	for _, idem := range []bool{true, false} {
		name := map[bool]string{true: "idempotent", false: "plain, one request in flight"}[idem]
		t.Run(name, func(t *testing.T) {
			c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
			conf := producer.ConfigMap{"enable.idempotence": idem}
			if !idem {
				conf["max.in.flight.requests.per.connection"] = 1
			}
			p := newProducer(t, c, conf)
			f := c.RefuseProduce(producer.ErrNotEnoughReplicas, 3)
			requireDelivered(t, deliver(t, p, messages("events", 0, 0, 50)))
			if got := f.Hits(); got != 3 {
				t.Fatalf("the fault refused %d requests, want 3", got)
			}
			requireLog(t, records(t, c, "events"), 0, 0, 50)
		})
	}
}

func TestRefuseProduceOnOnePartitionFailsOnlyThatPartition(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 2))
	p := newProducer(t, c, nil)
	f := c.RefuseProduce(producer.ErrTopicAuthorizationFailed, kprodtest.Forever, kprodtest.OnPartition("events", 1))
	rs := deliver(t, p, append(messages("events", 0, 0, 5), messages("events", 1, 5, 5)...))
	failed := 0
	for _, m := range rs {
		switch m.Partition {
		case 0:
			if m.Err != nil {
				t.Fatalf("partition 0: %v, want delivered", m.Err)
			}
		case 1:
			if !errors.Is(m.Err, producer.ErrTopicAuthorizationFailed) {
				t.Fatalf("partition 1: %v, want TOPIC_AUTHORIZATION_FAILED", m.Err)
			}
			failed++
		}
	}
	if failed != 5 {
		t.Fatalf("%d messages to partition 1 failed, want 5", failed)
	}
	if f.Hits() < 1 {
		t.Fatalf("the fault refused %d requests, want at least 1", f.Hits())
	}
	f.Remove()
	requireDelivered(t, deliver(t, p, messages("events", 1, 10, 2)))
	rs2 := records(t, c, "events")
	requireLog(t, rs2, 0, 0, 5)
	requireLog(t, rs2, 1, 10, 2)
}

func TestRefuseProduceTakesACodeKfakeDoesNotName(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, nil)
	c.RefuseProduce(producer.ErrorCode(9999), 1)
	rs := deliver(t, p, messages("events", 0, 0, 1))
	var pe producer.Error
	if !errors.As(rs[0].Err, &pe) || pe.Code() != 9999 {
		t.Fatalf("report error %v, want code 9999", rs[0].Err)
	}
}

func TestRefuseProducePanicsOnALocalCode(t *testing.T) {
	c := kprodtest.New(t)
	defer func() {
		if recover() == nil {
			t.Fatal("RefuseProduce(ErrMsgTimedOut) did not panic")
		}
	}()
	c.RefuseProduce(producer.ErrMsgTimedOut, 1)
}

func TestDelayProduceHoldsTheNextRequests(t *testing.T) {
	const d = 300 * time.Millisecond
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, nil)
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 1))) // connected, metadata known

	f := c.DelayProduce(d, 1)
	start := time.Now()
	requireDelivered(t, deliver(t, p, messages("events", 0, 1, 1)))
	if took := time.Since(start); took < d {
		t.Fatalf("a delayed message was delivered after %v, want at least %v", took, d)
	}
	requireDelivered(t, deliver(t, p, messages("events", 0, 2, 1)))
	if got := f.Hits(); got != 1 {
		t.Fatalf("the delay held %d requests, want 1", got)
	}
	requireLog(t, records(t, c, "events"), 0, 0, 3)
}

func TestDelayRequestsHoldsEveryKindOfRequestUntilRemoved(t *testing.T) {
	const d = 100 * time.Millisecond
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	f := c.DelayRequests(d, kprodtest.Forever)
	p := newProducer(t, c, nil)
	start := time.Now()
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 1)))
	// ApiVersions and Metadata before the Produce, each held.
	if took, hits := time.Since(start), f.Hits(); hits < 3 || took < 3*d {
		t.Fatalf("first delivery after %v with %d requests held, want at least 3 held and %v", took, hits, 3*d)
	}
	f.Remove()
	held := f.Hits()
	requireDelivered(t, deliver(t, p, messages("events", 0, 1, 5)))
	if got := f.Hits(); got != held {
		t.Fatalf("a removed delay held %d more requests", got-held)
	}
	requireLog(t, records(t, c, "events"), 0, 0, 6)
}

func TestRemovingADelayReleasesTheHeldRequest(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, producer.ConfigMap{"socket.timeout.ms": 60_000})
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 1)))
	f := c.DelayProduce(time.Hour, 1)
	if err := p.Produce(messages("events", 0, 1, 1)[0], nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.Wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.Remove()
	requireDelivered(t, reports(t, p, 1, 10*time.Second))
	requireLog(t, records(t, c, "events"), 0, 0, 2)
}

func TestADroppedProduceIsRetriedAfterTheSocketTimeout(t *testing.T) {
	const socketTimeout = 300 * time.Millisecond
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true, "socket.timeout.ms": int(socketTimeout / time.Millisecond)})
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 1)))

	f := c.DropProduce(2)
	start := time.Now()
	requireDelivered(t, deliver(t, p, messages("events", 0, 1, 20)))
	if took := time.Since(start); took < 2*socketTimeout {
		t.Fatalf("delivered after %v with 2 responses dropped, want at least %v", took, 2*socketTimeout)
	}
	if got := f.Hits(); got != 2 {
		t.Fatalf("the fault dropped %d requests, want 2", got)
	}
	requireLog(t, records(t, c, "events"), 0, 0, 21)
}

func TestFaultsCanBeNarrowedToABroker(t *testing.T) {
	c := kprodtest.New(t, kprodtest.WithTopic("events", 1))
	// Idempotent: a refused request is retried in order; a plain producer
	// may let a later request overtake it, as Kafka allows.
	p := newProducer(t, c, producer.ConfigMap{"enable.idempotence": true})
	leader := c.Leader("events", 0)
	other := c.RefuseProduce(producer.ErrNotEnoughReplicas, kprodtest.Forever, kprodtest.OnBroker((leader+1)%3))
	onLeader := c.RefuseProduce(producer.ErrNotEnoughReplicas, 2, kprodtest.OnBroker(leader))
	requireDelivered(t, deliver(t, p, messages("events", 0, 0, 3)))
	if got := other.Hits(); got != 0 {
		t.Fatalf("a fault on another broker refused %d requests, want 0", got)
	}
	if got := onLeader.Hits(); got != 2 {
		t.Fatalf("a fault on the leader refused %d requests, want 2", got)
	}
	requireLog(t, records(t, c, "events"), 0, 0, 3)
}

func TestFaultCountsMustBePositiveOrForever(t *testing.T) {
	c := kprodtest.New(t)
	for _, n := range []int{0, -2} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("DropProduce(%d) did not panic", n)
				}
			}()
			c.DropProduce(n)
		}()
	}
}
