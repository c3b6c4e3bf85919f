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

// startDashboard runs `ordo dashboard --no-browser` with the admin
// kubeconfig and returns its one-time URL and how to stop it.
func startDashboard(ctx context.Context, srv *testcluster.Server) (string, func(), error) {
	cmd := exec.Command(srv.Bin, "dashboard", "--no-browser", "--kubeconfig", srv.Kubeconfig())
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
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
	line, err := bufio.NewReader(out).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, out) }()
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "http://127.0.0.1:") {
			return f, stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("ordo dashboard printed %q (%v), no URL", line, err)
}

// browser is one headless chromium tab.
type browser struct {
	ctx   context.Context
	close func()
}

func newBrowser(ctx context.Context) (*browser, error) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		return nil, fmt.Errorf("no chromium (apt-get install chromium): %w", err)
	}
	// Chromium's shared-memory files go to its TMPDIR: one removed at close.
	tmp, err := os.MkdirTemp("", "ordo-dashboard-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1500, 1000), chromedp.Env("TMPDIR="+tmp))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancel := chromedp.NewContext(allocCtx)
	closeAll := func() { cancel(); cancelAlloc(); _ = os.RemoveAll(tmp) }
	if err := chromedp.Do(tab); err != nil {
		closeAll()
		return nil, err
	}
	return &browser{ctx: tab, close: closeAll}, nil
}

// open navigates to url and waits until the predicate holds.
func (b *browser) open(url, predicate string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return err
	}
	return b.wait(predicate)
}

// wait waits, checking on every DOM change, until predicate holds.
func (b *browser) wait(predicate string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(0)))
	return err
}

// waitLive waits for the page's live stream to be open.
func (b *browser) waitLive() error { return b.wait(`document.body.dataset.live === "on"`) }
