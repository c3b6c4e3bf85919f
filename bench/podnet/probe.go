package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// msgSize is one request's and one response's size: a small RPC.
const msgSize = 64

// serve answers on addr: a connection whose first byte is 'e' gets every
// msgSize-byte message echoed; one whose first byte is 's' is drained
// (the throughput sink) and answered with one byte at its end.
func serve(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go handle(c)
	}
}

func handle(c net.Conn) {
	defer c.Close()
	mode := make([]byte, 1)
	if _, err := io.ReadFull(c, mode); err != nil {
		return
	}
	if mode[0] == 's' {
		_, _ = io.Copy(io.Discard, c)
		return
	}
	buf := make([]byte, msgSize)
	for {
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

// probeResult is what a probe prints, as JSON, for the orchestrator.
type probeResult struct {
	P50ms, P99ms float64
	MBps         float64
}

// probe measures addr: n request/response round trips on one connection,
// then bytes sent for dur on another.
func probe(addr string, n int, dur time.Duration) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	if _, err := c.Write([]byte{'e'}); err != nil {
		return err
	}
	buf := make([]byte, msgSize)
	rtts := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		if _, err := c.Write(buf); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		rtts = append(rtts, time.Since(start))
	}
	c.Close()
	lat := benchutil.Summarize(rtts)
	mbps, err := throughput(addr, dur)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(probeResult{P50ms: lat.P50, P99ms: lat.P99, MBps: mbps})
}

// throughput writes 64 KiB blocks to addr's sink for dur.
func throughput(addr string, dur time.Duration) (float64, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if _, err := c.Write([]byte{'s'}); err != nil {
		return 0, err
	}
	block := make([]byte, 64<<10)
	var sent int64
	start := time.Now()
	for time.Since(start) < dur {
		k, err := c.Write(block)
		sent += int64(k)
		if err != nil {
			return 0, fmt.Errorf("throughput: %w", err)
		}
	}
	return float64(sent) / time.Since(start).Seconds() / 1e6, nil
}
