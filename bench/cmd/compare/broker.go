package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// brokerProc is the broker process (cmd/broker) and an admin client to it.
type brokerProc struct {
	cmd    *exec.Cmd // nil for an external broker
	stdin  io.WriteCloser
	stdout *bufio.Reader
	addrs  []string
	admin  *kgo.Client
}

// produceStats are the broker's counts of the Produce requests it handled.
type produceStats struct {
	Requests, Batches, Records, Bytes int64
}

func (a produceStats) sub(b produceStats) produceStats {
	return produceStats{a.Requests - b.Requests, a.Batches - b.Batches, a.Records - b.Records, a.Bytes - b.Bytes}
}

// stats asks the broker process for its counts (zero for an external
// broker).
func (b *brokerProc) stats() (produceStats, error) {
	var st produceStats
	if b.cmd == nil {
		return st, nil
	}
	if _, err := io.WriteString(b.stdin, "stats\n"); err != nil {
		return st, fmt.Errorf("ask the broker for stats: %w", err)
	}
	line, err := b.stdout.ReadString('\n')
	if err != nil {
		return st, fmt.Errorf("read the broker's stats: %w", err)
	}
	if _, err := fmt.Sscanf(line, "stats requests=%d batches=%d records=%d bytes=%d", &st.Requests, &st.Batches, &st.Records, &st.Bytes); err != nil {
		return st, fmt.Errorf("broker stats %q: %w", line, err)
	}
	return st, nil
}

// startBroker starts bin with one broker and waits for its address.
func startBroker(bin string) (*brokerProc, error) {
	cmd := exec.Command(bin, "-brokers", "1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil {
		stdin.Close()
		cmd.Wait()
		return nil, fmt.Errorf("broker did not print its address: %w", err)
	}
	b := &brokerProc{cmd: cmd, stdin: stdin, stdout: out, addrs: strings.Split(strings.TrimSpace(line), ",")}
	if err := b.connect(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// externalBroker uses a broker that is already running.
func externalBroker(addrs string) (*brokerProc, error) {
	b := &brokerProc{addrs: strings.Split(addrs, ",")}
	return b, b.connect()
}

func (b *brokerProc) connect() error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addrs...))
	if err != nil {
		return err
	}
	b.admin = cl
	return nil
}

// Close stops the broker process (closing its stdin ends it).
func (b *brokerProc) Close() {
	if b.admin != nil {
		b.admin.Close()
	}
	if b.cmd != nil {
		b.stdin.Close()
		done := make(chan struct{})
		go func() { b.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			b.cmd.Process.Kill()
			<-done
		}
	}
}

// createTopic creates a fresh topic for one run.
func (b *brokerProc) createTopic(ctx context.Context, name string, partitions int) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic = name
	t.NumPartitions = int32(partitions)
	t.ReplicationFactor = 1
	req.Topics = append(req.Topics, t)
	req.TimeoutMillis = 10_000
	resp, err := req.RequestWith(ctx, b.admin)
	if err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
	}
	return nil
}

// deleteTopic deletes a run's topic, so that the in-memory broker frees
// its records before the next run.
func (b *brokerProc) deleteTopic(ctx context.Context, name string) error {
	req := kmsg.NewPtrDeleteTopicsRequest()
	t := kmsg.NewDeleteTopicsRequestTopic()
	t.Topic = &name
	req.Topics = append(req.Topics, t)
	req.TopicNames = append(req.TopicNames, name)
	req.TimeoutMillis = 10_000
	resp, err := req.RequestWith(ctx, b.admin)
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return fmt.Errorf("delete topic %s: %w", name, err)
		}
	}
	return nil
}

// cpu returns the broker process's CPU time so far, from /proc (0 for an
// external broker or where /proc is missing).
func (b *brokerProc) cpu() time.Duration {
	if b.cmd == nil {
		return 0
	}
	return procCPU(b.cmd.Process.Pid)
}

// procCPU reads utime+stime of pid from /proc/pid/stat, in clock ticks of
// 10 ms (USER_HZ is 100 on Linux).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state); utime is field 14, stime 15
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// machineBusy returns the CPU time all processes have used so far, from
// the first line of /proc/stat (user, nice, system, irq, softirq, steal),
// or 0 where /proc is missing.
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // idle (4) and iowait (5) are not busy
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
