// Command warmrunner measures warm runners (ordo.dev/runner: warm): the
// lag from a slot to its command running, for one warm CronJob firing
// every second and for many due in the same second; the server's CPU per
// run; the memory of an idle runner pod; and, for the ratio, the same many
// CronJobs without the annotation (a Job and a pod per slot).
//
// Each run's command is `date +%s%N` into a file named after its slot, on
// a hostPath, so "run started" is when the command itself ran: it includes
// entering the pod (nsenter), sh and date. It starts its own `ordo server`
// (testcluster, $ORDO_BIN) in a temporary directory and removes it at the
// end. It never judges the figures; it exits 1 only when something broke.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/testcluster"
)

type options struct {
	single  time.Duration
	burst   int
	slots   int
	timeout time.Duration
	modes   string
	profile string
}

func main() {
	var o options
	flag.DurationVar(&o.single, "single", 30*time.Second, "how long one every-second warm CronJob is observed")
	flag.IntVar(&o.burst, "burst", 500, "CronJobs all due in the same second (warm, then as Jobs)")
	flag.IntVar(&o.slots, "slots", 3, "burst slots measured")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long a phase may wait")
	flag.StringVar(&o.modes, "burst-modes", "warm,jobs", "which bursts to run: warm, jobs, or both")
	flag.StringVar(&o.profile, "cpuprofile", "", "write the server's CPU profile (from its /debug/pprof) over the measured burst slots to this file, suffixed with the mode")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "warmrunner needs root: runner pods are real pods")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Printf("ordo warm runner benchmark  %s\nmachine: %+v loadavg=%s\n", time.Now().UTC().Format(time.RFC3339), benchutil.DescribeMachine(), benchutil.LoadAvg())
	res := &result{Machine: benchutil.DescribeMachine(), Burst: map[string]*burstJSON{}}
	err := run(ctx, o, res)
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintln(os.Stderr, "error:", err)
	}
	res.OK = err == nil
	out, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", out)
	if err != nil {
		os.Exit(1)
	}
}

// result is printed as `RESULT {json}` for machines (bench/pathfloor),
// after the human lines.
type result struct {
	OK      bool                  `json:"ok"`
	Error   string                `json:"error,omitempty"`
	Machine benchutil.Machine     `json:"machine"`
	Single  *benchutil.Latency    `json:"single_slot_to_running,omitempty"`
	Burst   map[string]*burstJSON `json:"burst"` // by mode: warm, jobs
}

// burstJSON is a burstResult for the RESULT line.
type burstJSON struct {
	CronJobs     int       `json:"cronjobs"`
	Slots        int       `json:"slots"`
	Runs         int       `json:"runs"` // of Slots × CronJobs
	P50MS        float64   `json:"slot_to_running_p50_ms"`
	P99MS        float64   `json:"slot_to_running_p99_ms"`
	LastRunS     []float64 `json:"last_run_of_slot_s"`
	CPUPerRunMS  float64   `json:"server_cpu_ms_per_run"`
	SetupSeconds float64   `json:"setup_s"`
}

func run(ctx context.Context, o options, res *result) error {
	if o.single > 0 {
		if err := withServer(func(s *session) error { return measureSingle(ctx, s, o, res) }); err != nil {
			return err
		}
	}
	if o.burst > 0 {
		var warm, jobs burstResult
		for _, m := range []struct {
			mode string
			r    *burstResult
		}{{"warm", &warm}, {"jobs", &jobs}} {
			if !strings.Contains(o.modes, m.mode) {
				continue
			}
			if err := withServer(func(s *session) error { return measureBurst(ctx, s, o, m.mode == "warm", m.r) }); err != nil {
				return err
			}
			res.Burst[m.mode] = m.r.json(o.burst, o.slots)
		}
		printRatio(o.burst, warm, jobs)
	}
	return nil
}

// session is one server and the directory the runs write to.
type session struct {
	srv *testcluster.Server
	out string
}

func withServer(fn func(*session) error) error {
	dir, err := os.MkdirTemp("", "ordo-warmrunner-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "runs")
	if err := os.MkdirAll(out, 0o777); err != nil {
		return err
	}
	srv, err := testcluster.Start(filepath.Join(dir, "server"), "--max-pods", "20000")
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	defer srv.RemoveBridge()
	defer benchutil.StopServer(srv)
	return fn(&session{srv: srv, out: out})
}

// cronJob is a CronJob whose runs write their start time into
// <out>/<name>_<slot>.
func cronJob(name, schedule, out string, warm bool) string {
	annotations := ""
	if warm {
		annotations = "\n  annotations: {ordo.dev/runner: warm}"
	}
	return fmt.Sprintf(`apiVersion: batch/v1
kind: CronJob
metadata:
  name: %s%s
spec:
  schedule: %q
  concurrencyPolicy: Allow
  successfulJobsHistoryLimit: 1
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
          - name: run
            image: busybox
            env:
            - {name: NAME, value: %s}
            - name: JOB
              valueFrom: {fieldRef: {fieldPath: "metadata.labels['batch.kubernetes.io/job-name']"}}
            command: [sh, -c, 'date +%%s%%N > /out/${NAME}_${ORDO_SCHEDULED_TIME:-u${JOB##*-}}']
            volumeMounts: [{name: out, mountPath: /out}]
          volumes:
          - {name: out, hostPath: {path: %s, type: Directory}}
`, name, annotations, schedule, name, out)
}

// starts reads every run's start time: "<name>_<slot>" → start.
func starts(out string) (map[string]time.Time, error) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return nil, err
	}
	got := map[string]time.Time{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			continue
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err == nil {
			got[e.Name()] = time.Unix(0, ns)
		}
	}
	return got, nil
}

// lag is a run's start after its slot, from its file name: the slot is
// ORDO_SCHEDULED_TIME for a warm run, and for a Job's pod u<unix seconds>
// from the Job's name (<cronjob>-<unix seconds> for sub-minute schedules).
func lag(name string, start time.Time) (time.Duration, bool) {
	suffix := name[strings.LastIndex(name, "_")+1:]
	if unix, ok := strings.CutPrefix(suffix, "u"); ok {
		sec, err := strconv.ParseInt(unix, 10, 64)
		if err != nil {
			return 0, false
		}
		return start.Sub(time.Unix(sec, 0)), true
	}
	slot, err := time.Parse(time.RFC3339, suffix)
	if err != nil {
		return 0, false
	}
	return start.Sub(slot), true
}
