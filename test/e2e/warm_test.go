package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// warmTick is an every-second warm CronJob whose runs append their slot
// and runner pod to a file on the host.
const warmTick = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
  annotations: {ordo.dev/runner: warm, ordo.dev/runner-lifetime: 20s}
spec:
  schedule: "* * * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          terminationGracePeriodSeconds: 2
          containers:
          - name: tick
            image: busybox
            env: [{name: VERSION, value: "VERSIONVALUE"}]
            command: [sh, -c, 'echo "$ORDO_SCHEDULED_TIME $HOSTNAME $VERSION" >> /out/runs; echo ran $ORDO_SCHEDULED_TIME']
            volumeMounts: [{name: out, mountPath: /out}]
          volumes:
          - name: out
            hostPath: {path: OUTDIR, type: Directory}
`

// runsOf reads the runs file: slot → lines.
func runsOf(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			out[f[0]] = append(out[f[0]], line)
		}
	}
	return out
}

// TestWarmRunnerRunsEachSlotOnceThroughRotationsChangesAndLoss runs an
// every-second warm CronJob (runner-lifetime 20s) for over a minute
// through rotations, a jobTemplate change, a manual run and a
// force-deleted runner pod: every slot ran at most once, every slot
// between the first and the last run that did not run is named by a
// MissSchedule event, no Job was made but the manual one, runs after the
// change use the new template, and fewer than 10 pods were created in all.
// Not parallel: asserts every slot over 5 s after the jobTemplate change ran the new template (a runner hand-off within 5 s), and sleeps to fixed offsets; CPU contention would break that.
func TestWarmRunnerRunsEachSlotOnceThroughRotationsChangesAndLoss(t *testing.T) {
	c, cs, _ := startWithAgent(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "runs")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pods := &podCounter{seen: map[types.UID]string{}}
	watchPods(ctx, t, cs, "", pods)
	c.RunIn(strings.NewReplacer("OUTDIR", dir, "VERSIONVALUE", "v1").Replace(warmTick), "apply", "-f", "-")
	waitFor(t, func() bool { return len(runsOf(t, path)) >= 3 }, "the first runs")
	start := time.Now()
	at := func(d time.Duration) { time.Sleep(time.Until(start.Add(d))) }

	at(25 * time.Second)
	c.RunIn(strings.NewReplacer("OUTDIR", dir, "VERSIONVALUE", "v2").Replace(warmTick), "apply", "-f", "-")
	changed := time.Now().UTC()
	at(32 * time.Second)
	c.Run("create", "job", "manual", "--from=cronjob/tick")
	at(40 * time.Second)
	holder := c.Run("get", "lease", "tick-runner", "-o", "jsonpath={.spec.holderIdentity}")
	// Aim the deletion at the holder's claim-ahead window (it claims a
	// slot up to 300 ms before it and runs it at the slot), where a kill
	// once lost the claimed slot: the slot must be given back and then
	// run or reported missed. The API call is what `kubectl delete pod
	// --grace-period=0 --force` sends, without kubectl's start-up time,
	// which under load would miss the window.
	aim := time.Now().Truncate(time.Second).Add(800 * time.Millisecond)
	if time.Until(aim) < 0 {
		aim = aim.Add(time.Second)
	}
	time.Sleep(time.Until(aim))
	if err := cs.CoreV1().Pods("default").Delete(ctx, holder, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))}); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now().UTC()
	t.Logf("deleted the holder %s at %s", holder, deleted.Format(time.StampMilli))
	at(70 * time.Second)
	c.Run("wait", "--for=condition=Complete", "job/manual", "--timeout=60s")
	c.Run("patch", "cronjob", "tick", "--type=merge", "-p", `{"spec":{"suspend":true}}`)
	time.Sleep(2 * time.Second) // runs going finish; no new ones start

	runs := runsOf(t, path)
	slots, runners := checkRunsOnce(t, runs)
	t.Logf("%d slots run by %d runner pods, %s .. %s", len(slots), len(runners), slots[0], slots[len(slots)-1])
	for s := deleted.Truncate(time.Second).Add(-time.Second); s.Before(deleted.Add(3 * time.Second)); s = s.Add(time.Second) {
		t.Logf("around the deletion, slot %s: %q", s.Format(time.TimeOnly), runs[s.Format(time.RFC3339)])
	}
	if log, err := os.ReadFile(c.LogPath()); err == nil {
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, "Giving back claimed slots") {
				t.Logf("server: %s", line)
			}
		}
	}
	for _, reason := range []string{"JobAlreadyActive", "RunFailed"} {
		if ev := c.Run("get", "events", "--field-selector=reason="+reason, "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"); ev != "" {
			t.Logf("%s events:\n%s", reason, ev)
		}
	}
	checkMissedAreNamed(t, c, slots)
	for slot, lines := range runs {
		ts, _ := time.Parse(time.RFC3339, slot)
		if ts.After(changed.Add(5*time.Second)) && !strings.HasSuffix(lines[0], " v2") {
			t.Errorf("slot %s, over 5 s after the change, ran the old template: %s", slot, lines[0])
		}
	}
	if len(runners) < 4 {
		t.Errorf("runs came from %d runner pods %v: two rotations, a change and a replacement make at least 4", len(runners), runners)
	}
	if jobs := strings.Fields(c.Run("get", "jobs", "-o", "name")); len(jobs) != 1 || jobs[0] != "job.batch/manual" {
		t.Errorf("jobs %v: only the manual one may exist", jobs)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), " manual-") {
		t.Error("the manual Job's run is not in the runs file")
	}
	if n := pods.count(); n >= 10 {
		t.Errorf("%d pods were created: %v", n, pods.names())
	}
	if got := c.Run("get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime} {.status.lastSuccessfulTime}"); len(strings.Fields(got)) != 2 {
		t.Errorf("lastScheduleTime and lastSuccessfulTime: %q", got)
	}
	if desc := c.Run("describe", "cronjob", "tick"); !strings.Contains(desc, "RunnerTokenTaken") || !strings.Contains(desc, "RunnerHandoff") {
		t.Errorf("kubectl describe cronjob shows no runner or token holder:\n%s", desc)
	}
	m := c.Run("get", "--raw", "/metrics")
	for _, series := range []string{
		`ordo_cronjob_fire_lag_seconds_count{mode="warm",stage="run_started"}`,
		`ordo_cronjob_warm_runs_total{outcome="succeeded"}`,
		`ordo_cronjob_warm_handoffs_total`,
	} {
		if n := metricValue(m, series); n < 1 {
			t.Errorf("metric %s is %v", series, n)
		}
	}
}

// metricValue is the value of one series in a Prometheus text exposition,
// or -1 when absent.
func metricValue(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// TestWarmRunnerNeverRunsASlotTwiceAcrossKill9: the server (and its agent,
// and so the runner's processes) killed with -9 mid-runs and started
// again: the runner pod goes on from the token's last slot.
func TestWarmRunnerNeverRunsASlotTwiceAcrossKill9(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "runs")
	manifest := strings.NewReplacer("OUTDIR", dir, "VERSIONVALUE", "v1", "runner-lifetime: 20s", "runner-lifetime: 1h").Replace(warmTick)
	c.RunIn(manifest, "apply", "-f", "-")
	waitFor(t, func() bool { return len(runsOf(t, path)) >= 4 }, "four runs")
	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	before := len(runsOf(t, path))
	waitFor(t, func() bool { return len(runsOf(t, path)) >= before+4 }, "four runs after the restart")
	slots, _ := checkRunsOnce(t, runsOf(t, path))
	t.Logf("%d slots, %s .. %s", len(slots), slots[0], slots[len(slots)-1])
}

// checkRunsOnce fails for a slot that ran more than once, and returns the
// slots run, sorted, and the runner pods that ran them.
func checkRunsOnce(t *testing.T, runs map[string][]string) ([]string, map[string]bool) {
	t.Helper()
	var slots []string
	runners := map[string]bool{}
	for s, lines := range runs {
		slots = append(slots, s)
		if len(lines) > 1 {
			t.Errorf("slot %s ran %d times: %v", s, len(lines), lines)
		}
		runners[strings.Fields(lines[0])[1]] = true
	}
	sort.Strings(slots)
	if len(slots) == 0 {
		t.Fatal("no runs")
	}
	return slots, runners
}

var missedEvent = regexp.MustCompile(`Missed scheduled time (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)(?: and (\d+) earlier)?`)

// checkMissedAreNamed: every second between the first and the last slot
// run either ran or is covered by a MissSchedule event.
func checkMissedAreNamed(t *testing.T, c *testcluster.T, slots []string) {
	t.Helper()
	covered := map[string]bool{}
	for _, s := range slots {
		covered[s] = true
	}
	events := c.Run("get", "events", "--field-selector=reason=MissSchedule", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
	t.Logf("MissSchedule events:\n%s", events)
	for _, m := range missedEvent.FindAllStringSubmatch(events, -1) {
		newest, _ := time.Parse(time.RFC3339, m[1])
		n, _ := strconv.Atoi(m[2])
		for i := 0; i <= n; i++ {
			covered[newest.Add(-time.Duration(i)*time.Second).UTC().Format(time.RFC3339)] = true
		}
	}
	// Every slot must parse, and the span is bounded: a slot that did not
	// parse was the zero time, and walking from year 1 second by second
	// grew "lost" until the test binary held 8 GiB (CI's OOM).
	var first, last time.Time
	for i, s := range slots {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("slot %d %q: %v", i, s, err)
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	if span := last.Sub(first); span > time.Hour {
		t.Fatalf("slots span %v (from %s to %s): not one test's runs", span, first, last)
	}
	var lost []string
	for s := first; !s.After(last); s = s.Add(time.Second) {
		if k := s.UTC().Format(time.RFC3339); !covered[k] {
			lost = append(lost, k)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d slots neither ran nor were reported missed: %v", len(lost), lost)
	}
}

// podCounter counts the pods ever created.
type podCounter struct {
	mu   sync.Mutex
	seen map[types.UID]string
}

func (k *podCounter) observe(_ watch.EventType, p *corev1.Pod, _ bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seen[p.UID] = p.Name
}

func (k *podCounter) reset() {}

func (k *podCounter) count() int { k.mu.Lock(); defer k.mu.Unlock(); return len(k.seen) }

func (k *podCounter) names() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, n := range k.seen {
		out = append(out, n)
	}
	return out
}

const warmOddFails = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: odd
  annotations: {ordo.dev/runner: warm}
spec:
  schedule: "* * * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: odd
            image: busybox
            resources: {limits: {memory: 64Mi}}
            command: [sh, -c]
            args:
            - |
              echo "run $ORDO_SCHEDULED_TIME cgroup $(cat /proc/self/cgroup | tr '\n' ' ')| pid1 $(cat /proc/1/cgroup | tr '\n' ' ')"
              s=${ORDO_SCHEDULED_TIME%Z}; s=${s##*:}
              [ $((1${s} % 2)) -eq 0 ]
`

// TestWarmRunnerLogsRunsAndRecordsFailures: each run's output is in
// kubectl logs of the runner pod, the run is in the warm container's
// cgroup, a non-zero exit is an event naming the slot and the code, and
// lastSuccessfulTime only moves on success.
func TestWarmRunnerLogsRunsAndRecordsFailures(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	c.RunIn(warmOddFails, "apply", "-f", "-")
	var pod string
	waitFor(t, func() bool {
		// items[*], not items[0]: the runner pod may not exist yet, and
		// kubectl fails on an index past an empty list.
		pods := strings.Fields(c.Run("get", "pods", "-l", "ordo.dev/runner-for=odd", "-o", "jsonpath={.items[*].metadata.name}"))
		if len(pods) == 0 {
			return false
		}
		pod = pods[0]
		return strings.Count(c.Run("logs", pod), "run ") >= 4
	}, "four runs in the runner's log")
	logs := c.Run("logs", pod)
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		own, pid1, ok := strings.Cut(strings.TrimPrefix(line[strings.Index(line, "cgroup "):], "cgroup "), "| pid1 ")
		if !ok || strings.TrimSpace(own) != strings.TrimSpace(pid1) {
			t.Errorf("a run outside its container's cgroup: %q", line)
		}
	}
	waitFor(t, func() bool {
		return strings.Contains(c.Run("get", "events", "--field-selector=reason=RunFailed", "-o", "jsonpath={.items[*].message}"), "exited with code 1")
	}, "a RunFailed event")
	msgs := c.Run("get", "events", "--field-selector=reason=RunFailed", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
	for _, m := range strings.Split(strings.TrimSpace(msgs), "\n") {
		slot := regexp.MustCompile(`slot (\S+) in`).FindStringSubmatch(m)
		if slot == nil {
			t.Errorf("RunFailed names no slot: %q", m)
			continue
		}
		if ts, _ := time.Parse(time.RFC3339, slot[1]); ts.Second()%2 == 0 {
			t.Errorf("an even slot failed: %q", m)
		}
	}
	waitFor(t, func() bool {
		return c.Run("get", "cronjob", "odd", "-o", "jsonpath={.status.lastSuccessfulTime}") != ""
	}, "lastSuccessfulTime")
	last, _ := time.Parse(time.RFC3339, c.Run("get", "cronjob", "odd", "-o", "jsonpath={.status.lastSuccessfulTime}"))
	if last.Second()%2 != 0 {
		t.Errorf("lastSuccessfulTime %s is an odd (failing) slot", last)
	}
}

// warmSlow is an every-second warm CronJob whose runs take 2 s, so that
// at each hand-off the retiring runner has runs going.
const warmSlow = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: slow
  annotations: {ordo.dev/runner: warm, ordo.dev/runner-lifetime: 10s}
spec:
  schedule: "* * * * * *"
  concurrencyPolicy: Allow
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          terminationGracePeriodSeconds: 10
          containers:
          - name: slow
            image: busybox
            command: [sh, -c, 'echo "start $ORDO_SCHEDULED_TIME $HOSTNAME" >> /out/runs; sleep 2; echo "end $ORDO_SCHEDULED_TIME $HOSTNAME" >> /out/runs']
            volumeMounts: [{name: out, mountPath: /out}]
          volumes:
          - name: out
            hostPath: {path: OUTDIR, type: Directory}
`

// TestWarmRunnerFinishesItsRunningSlotsWhenRetired: runs of 2 s every
// second through rotations; a retired runner stops claiming but its runs
// go on to their end, so every run that started also ended, in the pod
// that started it.
// Not parallel: sleeps a fixed 4 s after deleting the CronJob and then requires every 2 s run to have ended, a wall-clock margin CPU contention would break.
func TestWarmRunnerFinishesItsRunningSlotsWhenRetired(t *testing.T) {
	c, _, _ := startWithAgent(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "runs")
	c.RunIn(strings.ReplaceAll(warmSlow, "OUTDIR", dir), "apply", "-f", "-")
	started := func() (map[string]string, map[string]string) {
		data, _ := os.ReadFile(path)
		starts, ends := map[string]string{}, map[string]string{}
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 {
				continue
			}
			if f[0] == "start" {
				starts[f[1]] = f[2]
			} else {
				ends[f[1]] = f[2]
			}
		}
		return starts, ends
	}
	runners := func() map[string]bool {
		starts, _ := started()
		seen := map[string]bool{}
		for _, pod := range starts {
			seen[pod] = true
		}
		return seen
	}
	waitFor(t, func() bool { return len(runners()) >= 3 }, "runs in three runner pods (two hand-offs)")
	c.Run("delete", "cronjob", "slow", "--wait=false")
	time.Sleep(4 * time.Second) // the last runs end
	starts, ends := started()
	for slot, pod := range starts {
		if ends[slot] != pod {
			t.Errorf("the run of slot %s started in %s but did not end there (ended in %q)", slot, pod, ends[slot])
		}
	}
	t.Logf("%d runs in %d runner pods", len(starts), len(runners()))
}

// TestWarmRunnerReplaceKillsThePreviousRun: runs of 5 s every 2 s under
// concurrencyPolicy Replace: each run is killed by the next slot's, so no
// run ever reaches its end, and none lives on past its replacement.
// Not parallel: requires each 5 s run to be killed by the next slot's run 2 s later (a 3 s margin for claiming the slot through the API); CPU contention would break that.
func TestWarmRunnerReplaceKillsThePreviousRun(t *testing.T) {
	c, _, _ := startWithAgent(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "runs")
	manifest := strings.NewReplacer("OUTDIR", dir, "name: slow", "name: replace", "concurrencyPolicy: Allow", "concurrencyPolicy: Replace",
		`"* * * * * *"`, `"*/2 * * * * *"`, "runner-lifetime: 10s", "runner-lifetime: 1h", "sleep 2", "sleep 5").Replace(warmSlow)
	c.RunIn(manifest, "apply", "-f", "-")
	count := func(word string) int { data, _ := os.ReadFile(path); return strings.Count(string(data), word+" ") }
	waitFor(t, func() bool { return count("start") >= 5 }, "five runs started")
	if ends := count("end"); ends > 0 {
		t.Errorf("%d runs reached their end under Replace; each should have been killed by the next", ends)
	}
	if out := c.Run("get", "events", "--field-selector", "involvedObject.name=replace", "-o", "jsonpath={.items[*].message}"); !strings.Contains(out, "concurrencyPolicy Replace") {
		t.Errorf("no event of a replaced run: %s", out)
	}
}
