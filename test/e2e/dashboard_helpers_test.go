package e2e

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// dashboardArtifacts is where the dashboard tests write their
// screenshots: $ORDO_TEST_ARTIFACTS/dashboard, else test/e2e/artifacts/
// dashboard (ignored by git).
func dashboardArtifacts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("artifacts", "dashboard")
	if a := os.Getenv("ORDO_TEST_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "dashboard")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// startDashboard runs `ordo dashboard --no-browser` with kubeconfig and
// returns the one-time URL it prints; the process is stopped at cleanup.
func startDashboard(t *testing.T, c *testcluster.T, kubeconfig string) string {
	t.Helper()
	cmd := exec.Command(c.Bin, "dashboard", "--no-browser", "--kubeconfig", kubeconfig)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
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
				return f
			}
		}
		t.Fatalf("ordo dashboard printed %q, no URL", line)
	case <-time.After(30 * time.Second):
		t.Fatal("ordo dashboard printed no URL in 30s")
	}
	return ""
}

// newBrowser is a headless Debian chromium driven by chromedp; it is
// closed (its processes and profile removed) at cleanup.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("no chromium on PATH: run hack/install-test-deps.sh (make test does)")
	}
	// Chromium's shared-memory files and its singleton socket go to its
	// TMPDIR: one the test removes, with a short path, since a UNIX
	// socket's path must fit in 108 bytes and t.TempDir's, which repeats
	// the test's name, did not once chromium put the socket in a
	// directory of its own there ("Socket path too long").
	tmp, err := os.MkdirTemp("", "chr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) }) // after the browser's cleanup below
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1500, 1000), chromedp.Env("TMPDIR="+tmp))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// browse runs chromedp steps with a deadline, failing the test with what
// the page showed when they fail.
func browse(t *testing.T, ctx context.Context, what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("%s: %v\npage text:\n%s", what, err, pageText(ctx))
	}
}

// pageText is the page's visible text, for failure messages.
func pageText(ctx context.Context) string {
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	body, _ := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("body")))
	return body
}

// evaluate runs JavaScript in the page, awaiting a promise it returns.
func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot saves the whole page as name.png in the artefacts directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dashboardArtifacts(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// waitText waits, in the browser and without reloading (so only a live
// update can bring it), until an element matching sel has text containing
// want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](`(() => { for (const e of document.querySelectorAll(`+jsString(sel)+`)) { if (e.innerText.includes(`+jsString(want)+`)) return true; } return false; })()`,
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(0))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, tg)
		return chromedp.Void{}, err
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
