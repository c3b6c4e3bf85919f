// Command pathfloor prints issue 28's table in one run: it runs the
// benchmarks that measure the pod path (podstart, jobthroughput twice,
// cronfire, unschedulable, warmrunner) one after another as subprocesses
// against $ORDO_BIN, collects the `RESULT {json}` line each prints, and
// prints every figure of the issue with its goal, under a header naming
// the machine, its load and the binary's version, then `RESULT {json}`.
//
// It builds the benchmarks first (under /tmp/ordo-build.lock, shared with
// every other build on the machine) and then holds /tmp/ordo-bench.lock
// for the whole run, so no other benchmark runs beside its parts. A part
// that fails leaves its rows marked failed; the others still run. Like
// every benchmark it never judges the figures: it exits 1 only when a part
// broke.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

type options struct {
	quick     bool
	only      string
	logDir    string
	benchLock string
	buildLock string
	stepLimit time.Duration
	verbose   bool
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "smaller sizes (about 8 minutes instead of about 20 on 2 cores); the table names the sizes used")
	flag.StringVar(&o.only, "only", "", "comma-separated parts to run (podstart, jobs, jobs-fake, cronfire, unschedulable, warm); empty runs all")
	flag.StringVar(&o.logDir, "logs", "", "directory for each part's full output (default: a new directory under $TMPDIR, kept and named at the end)")
	flag.StringVar(&o.benchLock, "bench-lock", "/tmp/ordo-bench.lock", "lock file held for the whole run (flock); empty: none. Do not also wrap pathfloor in flock(1) on the same file: it would wait for itself")
	flag.StringVar(&o.buildLock, "build-lock", "/tmp/ordo-build.lock", "lock file held while the benchmarks are compiled; empty: none")
	flag.DurationVar(&o.stepLimit, "part-timeout", 15*time.Minute, "how long one part may run before it is interrupted (it then cleans up and its rows read failed)")
	flag.BoolVar(&o.verbose, "v", false, "also copy each part's output to stderr as it runs")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "pathfloor needs root: its parts run real pods")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, o))
}

// result is the machine-readable summary printed as `RESULT {json}`.
type result struct {
	OK      bool                       `json:"ok"`
	Quick   bool                       `json:"quick"`
	Binary  string                     `json:"binary"`
	Version string                     `json:"version"`
	Machine benchutil.Machine          `json:"machine"`
	LoadEnd string                     `json:"loadavg_end"`
	Parts   map[string]*partRun        `json:"parts"`
	Rows    []row                      `json:"rows"`
	Raw     map[string]json.RawMessage `json:"results"`
}

func run(ctx context.Context, o options) int {
	bin, err := binary(ctx, o.buildLock)
	defer testcluster.RemoveBuilt() // only what binary built
	if err != nil {
		fmt.Fprintln(os.Stderr, "pathfloor:", err)
		return 1
	}
	// The parts find the same binary through $ORDO_BIN.
	os.Setenv(testcluster.BinaryEnv, bin)
	parts, err := selectParts(plan(o.quick), o.only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pathfloor:", err)
		return 2
	}
	if o.logDir == "" {
		o.logDir, err = os.MkdirTemp("", "ordo-pathfloor-")
	} else {
		err = os.MkdirAll(o.logDir, 0o755) // a -logs directory that does not exist yet is made, not every part failed
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pathfloor:", err)
		return 1
	}
	binDir, err := buildParts(ctx, parts, o.buildLock)
	if binDir != "" {
		defer os.RemoveAll(binDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pathfloor:", err)
		return 1
	}
	unlock, err := lockFile(ctx, o.benchLock)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pathfloor:", err)
		return 1
	}
	defer unlock()

	res := &result{Quick: o.quick, Binary: bin, Version: binaryVersion(ctx, bin), Machine: benchutil.DescribeMachine(),
		Parts: map[string]*partRun{}, Raw: map[string]json.RawMessage{}}
	printHeader(res)
	for _, p := range parts {
		pr := runPart(ctx, p, partEnv{binDir: binDir, logDir: o.logDir, limit: o.stepLimit, verbose: o.verbose})
		res.Parts[p.name] = pr
		if pr.Result != nil {
			res.Raw[p.name] = pr.Result
		}
		if ctx.Err() != nil {
			break
		}
	}
	res.LoadEnd = benchutil.LoadAvg()
	res.Rows = tableRows(res.Raw, res.Parts)
	res.OK = true
	for _, pr := range res.Parts {
		res.OK = res.OK && pr.OK
	}
	printTable(os.Stdout, res)
	fmt.Printf("\nparts' full output: %s\n", o.logDir)
	out, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", out)
	if !res.OK {
		return 1
	}
	return 0
}

// binary is $ORDO_BIN, or one built by make (as testcluster builds it)
// under the build lock.
func binary(ctx context.Context, lock string) (string, error) {
	if os.Getenv(testcluster.BinaryEnv) == "" {
		unlock, err := lockFile(ctx, lock)
		if err != nil {
			return "", err
		}
		defer unlock()
	}
	return testcluster.Binary()
}

// printHeader names the machine, its load and the binary.
func printHeader(res *result) {
	m := res.Machine
	fmt.Printf("ordo pathfloor (issue 28's table)  %s\n", m.Date)
	fmt.Printf("machine: NumCPU=%d GOMAXPROCS=%d kernel=%s %s  load average %s\n", m.NumCPU, m.GOMAXPROCS, m.Kernel, m.GoVersion, m.LoadAvg)
	fmt.Printf("binary: %s (%s)\n", res.Binary, res.Version)
	if res.Quick {
		fmt.Println("sizes: -quick (smaller than the issue's; the figures name theirs)")
	}
}

// binaryVersion is what `ordo version` prints, or why it printed nothing.
func binaryVersion(ctx context.Context, bin string) string {
	out, err := commandOutput(ctx, bin, "version")
	if err != nil {
		return "version unknown: " + err.Error()
	}
	return strings.TrimSpace(out)
}

// selectParts keeps the parts named in only (all when it is empty).
func selectParts(all []part, only string) ([]part, error) {
	if only == "" {
		return all, nil
	}
	byName := map[string]part{}
	var names []string
	for _, p := range all {
		byName[p.name] = p
		names = append(names, p.name)
	}
	var out []part
	for _, n := range strings.Split(only, ",") {
		p, ok := byName[strings.TrimSpace(n)]
		if !ok {
			return nil, fmt.Errorf("-only: unknown part %q (want one of %s)", n, strings.Join(names, ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

// logPath is where a part's output goes.
func logPath(dir, name string) string { return filepath.Join(dir, name+".log") }
