package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// part is one benchmark run: the program under bench/ and its flags.
type part struct {
	name  string // how the table and -only name it
	bench string // the directory under bench/
	args  []string
}

// plan is the run: the sizes the rows name (a 1,000-CronJob
// burst, 10,000 idle CronJobs, 500 unschedulable pods, 500 warm
// CronJobs), except where the default would take most of the
// budget on 2 cores (the real-pod Job: 500 completions rather than 2,000,
// whose pods/s is the same). quick shrinks every size.
func plan(quick bool) []part {
	if quick {
		return []part{
			{"podstart", "podstart", []string{"-pods", "40", "-burst", "20"}},
			{"jobs", "jobthroughput", []string{"-completions", "200", "-timeout", "5m"}},
			{"jobs-fake", "jobthroughput", []string{"-fake-node", "-completions", "500", "-timeout", "5m"}},
			{"cronfire", "cronfire", []string{"-single", "10", "-burst", "300", "-idle", "2000", "-idle-window", "20s"}},
			{"unschedulable", "unschedulable", []string{"-pods", "200", "-floor-window", "15s", "-settle", "10s", "-window", "30s"}},
			{"warm", "warmrunner", []string{"-single", "0", "-burst", "100", "-burst-modes", "warm", "-slots", "3"}},
		}
	}
	return []part{
		{"podstart", "podstart", []string{"-pods", "100", "-burst", "30"}},
		{"jobs", "jobthroughput", []string{"-completions", "500", "-timeout", "8m"}},
		{"jobs-fake", "jobthroughput", []string{"-fake-node", "-completions", "2000", "-timeout", "5m"}},
		{"cronfire", "cronfire", []string{"-single", "20", "-burst", "1000", "-idle", "10000"}},
		{"unschedulable", "unschedulable", []string{"-pods", "500", "-floor-window", "30s", "-settle", "15s", "-window", "60s"}},
		{"warm", "warmrunner", []string{"-single", "0", "-burst", "500", "-burst-modes", "warm", "-slots", "3"}},
	}
}

// buildParts compiles each benchmark the parts use, once, into a new
// directory, holding the build lock: compiling inside the bench lock
// would hold other benchmarks up for the compile, and `go run` per part
// would compile without the lock.
func buildParts(ctx context.Context, parts []part, lock string) (string, error) {
	dir, err := os.MkdirTemp("", "ordo-pathfloor-bin-")
	if err != nil {
		return "", err
	}
	pkgs, seen := []string{}, map[string]bool{}
	for _, p := range parts {
		if !seen[p.bench] {
			seen[p.bench] = true
			pkgs = append(pkgs, "./bench/"+p.bench)
		}
	}
	root, err := commandOutput(ctx, "go", "env", "GOMOD")
	if err != nil || strings.TrimSpace(root) == "" || strings.TrimSpace(root) == os.DevNull {
		return dir, fmt.Errorf("run pathfloor inside the ordo module (go env GOMOD: %q, %v)", root, err)
	}
	unlock, err := lockFile(ctx, lock)
	if err != nil {
		return dir, err
	}
	defer unlock()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", dir + "/"}, pkgs...)...)
	cmd.Dir = filepath.Dir(strings.TrimSpace(root))
	if out, err := cmd.CombinedOutput(); err != nil {
		return dir, fmt.Errorf("build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	return dir, nil
}

// lockFile takes an exclusive flock on path, as flock(1) does, and says
// so when it has to wait; the returned func releases it.
func lockFile(ctx context.Context, path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		benchutil.Progress("waiting for %s (another build or benchmark holds it)", path)
		got := make(chan error, 1)
		go func() { got <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
		select {
		case err := <-got:
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("lock %s: %w", path, err)
			}
		case <-ctx.Done():
			f.Close() // the blocked flock's goroutine ends with the process
			return nil, ctx.Err()
		}
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// partEnv is what every part's run shares.
type partEnv struct {
	binDir, logDir string
	limit          time.Duration
	verbose        bool
}

// partRun is how one part went.
type partRun struct {
	OK        bool            `json:"ok"`
	Error     string          `json:"error,omitempty"`
	Args      []string        `json:"args"`
	Seconds   float64         `json:"seconds"`
	LoadStart string          `json:"loadavg_start"`
	Log       string          `json:"log"`
	Result    json.RawMessage `json:"-"`
}

// runPart runs one benchmark to its end, its output into its log, and
// keeps the last RESULT line it printed (a failed part may print one with
// the figures it got). On timeout or Ctrl-C the part gets SIGINT, which
// every benchmark handles by removing its server, and a minute to do so.
func runPart(ctx context.Context, p part, env partEnv) *partRun {
	pr := &partRun{Args: p.args, LoadStart: benchutil.LoadAvg(), Log: logPath(env.logDir, p.name)}
	benchutil.Progress("%s: bench/%s %s (load average %s)", p.name, p.bench, strings.Join(p.args, " "), pr.LoadStart)
	logFile, err := os.Create(pr.Log)
	if err != nil {
		pr.Error = err.Error()
		return pr
	}
	defer logFile.Close()
	ctx, cancel := context.WithTimeout(ctx, env.limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(env.binDir, p.bench), p.args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	var stdout bytes.Buffer
	var sink io.Writer = logFile
	if env.verbose {
		sink = io.MultiWriter(logFile, os.Stderr)
	}
	cmd.Stdout = io.MultiWriter(sink, &stdout)
	cmd.Stderr = sink
	t0 := time.Now()
	err = cmd.Run()
	pr.Seconds = time.Since(t0).Seconds()
	pr.Result = lastResult(stdout.Bytes())
	switch {
	case err != nil && ctx.Err() == context.DeadlineExceeded:
		pr.Error = fmt.Sprintf("interrupted after -part-timeout %s", env.limit)
	case err != nil:
		pr.Error = fmt.Sprintf("%v (see %s)", err, pr.Log)
	case pr.Result == nil:
		pr.Error = "no RESULT line"
	}
	pr.OK = pr.Error == ""
	benchutil.Progress("%s: %s in %.0f s", p.name, map[bool]string{true: "done", false: "FAILED: " + pr.Error}[pr.OK], pr.Seconds)
	return pr
}

// lastResult is the JSON of the last `RESULT {json}` line of out, or nil.
func lastResult(out []byte) json.RawMessage {
	var last json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if js, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok && json.Valid([]byte(js)) {
			last = json.RawMessage(js)
		}
	}
	return last
}

// commandOutput runs a short command and returns its standard output.
func commandOutput(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	return string(out), err
}
