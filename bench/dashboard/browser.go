package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// dashboard is a running `ordo dashboard --no-browser` and its one-time URL.
type dashboard struct {
	cmd *exec.Cmd
	url string
}

// startDashboard runs `ordo dashboard --no-browser` with the admin's
// kubeconfig and reads the URL it prints.
func startDashboard(srv *testcluster.Server) (*dashboard, func(), error) {
	cmd := exec.Command(srv.Bin, "dashboard", "--no-browser", "--kubeconfig", srv.Kubeconfig())
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case line := <-lines:
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "http://127.0.0.1:") {
				return &dashboard{cmd: cmd, url: f}, stop, nil
			}
		}
		stop()
		return nil, nil, fmt.Errorf("ordo dashboard printed %q, no URL", line)
	case <-time.After(30 * time.Second):
		stop()
		return nil, nil, fmt.Errorf("ordo dashboard printed no URL in 30 s")
	}
}

// base is the dashboard's origin, without the one-time key.
func (d *dashboard) base() string {
	u := d.url
	if i := strings.Index(u[len("http://"):], "/"); i >= 0 {
		u = u[:len("http://")+i]
	}
	return u
}

// browser is a headless Debian chromium driven by chromedp.
type browser struct {
	ctx    context.Context
	cancel func()
}

func newBrowser(ctx context.Context) (*browser, error) {
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		return nil, fmt.Errorf("no chromium on PATH: run hack/install-test-deps.sh")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1500, 1000))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(bctx); err != nil {
		cancel()
		cancelAlloc()
		return nil, fmt.Errorf("starting chromium: %w", err)
	}
	return &browser{ctx: bctx, cancel: func() { cancel(); cancelAlloc() }}, nil
}

func (b *browser) close() { b.cancel() }

// do runs steps with a deadline.
func (b *browser) do(timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}
