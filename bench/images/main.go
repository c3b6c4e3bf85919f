// Command images measures ordo's container images (issue 25) against
// references, side by side in one run:
//
//   - pull and unpack of one realistic image (about 260 MB unpacked, five
//     layers of Debian packages) into a fresh store, by ordo's own code path
//     (remote.PullInto into image.Open, as the agent pulls) and by
//     `crane export REF - | tar -x`;
//   - pod start latency on one `ordo server` for a container on a present
//     image (an overlay of its layers) and for the same command on the
//     host's root through the image table (ordo before images);
//   - the disk ten images sharing a base layer take in the store, against
//     the sum of their sizes.
//
// The registry runs in a child process on 127.0.0.1, so that its CPU is
// not charged to either side. Figures are medians of interleaved runs, as
// the machine is shared; nothing here judges them: the exit status is 1
// only when something broke (a failed pull, a pod that never ran).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// options are the command-line knobs; defaults take about three minutes on 2 cores.
type options struct {
	runs        int
	pods        int
	burst       int
	burstRounds int
	diskImages  int
	crane       string
	timeout     time.Duration
	skip        string
	profile     string
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.runs, "runs", 3, "pull+unpack runs of each side, interleaved")
	flag.IntVar(&o.pods, "pods", 100, "pods of each kind started one after another")
	flag.IntVar(&o.burst, "burst", 10, "pods of one kind created at once in each burst round")
	flag.IntVar(&o.burstRounds, "burst-rounds", 5, "burst rounds of each kind, interleaved")
	flag.IntVar(&o.diskImages, "disk-images", 10, "images sharing a base layer in the disk phase")
	flag.StringVar(&o.crane, "crane", "", "crane binary (default: $CRANE, else crane on $PATH, else built from the module cache)")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long one pod may take to run")
	flag.StringVar(&o.skip, "skip", "", "comma-separated phases to skip: pull, start, disk")
	flag.StringVar(&o.profile, "cpuprofile", "", "save CPU profiles: of ordo's pulls to FILE.pull, of the server over 20 s of sequential starts of each kind to FILE.image and FILE.host")
	serve := flag.Bool("serve-registry", false, "internal: serve a registry on 127.0.0.1 until stdin closes")
	flag.Parse()
	if *serve {
		os.Exit(serveRegistry())
	}
	return o
}

// result is the machine-readable summary printed as `RESULT {json}`.
type result struct {
	OK      bool              `json:"ok"`
	Error   string            `json:"error,omitempty"`
	Machine benchutil.Machine `json:"machine"`
	CPU     string            `json:"cpu_model"`
	Pull    *pullStats        `json:"pull,omitempty"`
	Start   *startStats       `json:"start,omitempty"`
	Disk    *diskStats        `json:"disk,omitempty"`
}

func main() { os.Exit(run(parseFlags())) }

func run(o options) int {
	if o.runs < 1 || o.pods < 1 || o.burst < 1 || o.burstRounds < 0 || o.diskImages < 1 {
		fmt.Fprintln(os.Stderr, "images: -runs, -pods, -burst and -disk-images must be positive")
		return 2
	}
	for _, p := range strings.Split(o.skip, ",") {
		if p != "" && p != "pull" && p != "start" && p != "disk" {
			fmt.Fprintf(os.Stderr, "images: -skip %q: phases are pull, start and disk\n", p)
			return 2
		}
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "images: must run as root: the store keeps file owners, and the server runs pods")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := &result{Machine: benchutil.DescribeMachine(), CPU: cpuModel()}
	printHeader(res)
	err := measure(ctx, o, res)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted (%v)", err)
	}
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(os.Stderr, "images: FAILED: %v\n", err)
	}
	res.OK = err == nil
	data, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", data)
	if err != nil {
		return 1
	}
	return 0
}

// measure starts the registry and runs the phases in order; a failure
// still leaves the figures of the phases before it in res.
func measure(ctx context.Context, o options, res *result) error {
	reg, err := startRegistry()
	if err != nil {
		return err
	}
	defer reg.close()
	benchutil.Progress("registry (child pid %d) on %s", reg.pid(), reg.host)
	skip := func(p string) bool { return strings.Contains(","+o.skip+",", ","+p+",") }
	if !skip("pull") {
		if res.Pull, err = pullPhase(ctx, o, reg); err != nil {
			return fmt.Errorf("pull: %w", err)
		}
		printPull(res.Pull)
	}
	if !skip("start") {
		res.Start, err = startPhase(ctx, o, reg)
		if res.Start != nil {
			printStart(res.Start)
		}
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
	}
	if !skip("disk") {
		if res.Disk, err = diskPhase(ctx, o, reg); err != nil {
			return fmt.Errorf("disk: %w", err)
		}
		printDisk(res.Disk)
	}
	return nil
}

func printHeader(res *result) {
	m := res.Machine
	fmt.Printf("images: %d CPUs (%s), GOMAXPROCS %d, kernel %s, %s, load %s, %s\n",
		m.NumCPU, res.CPU, m.GOMAXPROCS, m.Kernel, m.GoVersion, m.LoadAvg, m.Date)
	if host, err := os.Hostname(); err == nil {
		fmt.Printf("host %s; the machine is shared: figures are medians of interleaved runs\n", host)
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// childCPU is the user+system CPU seconds of an exited command.
func childCPU(c *exec.Cmd) float64 {
	if c.ProcessState == nil {
		return 0
	}
	return (c.ProcessState.UserTime() + c.ProcessState.SystemTime()).Seconds()
}
