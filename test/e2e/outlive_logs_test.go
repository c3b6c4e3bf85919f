package e2e

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// fastLogger prints "line N" on stdout, in bursts of 200 with a
// millisecond's sleep between, and every tenth one on stderr too ("err
// N"), forever.
const fastLogger = `apiVersion: v1
kind: Pod
metadata: {name: fastlogger}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'i=0; while true; do j=0; while [ $j -lt 200 ]; do echo "line $i"; [ $((i % 10)) = 0 ] && echo "err $i" >&2; i=$((i+1)); j=$((j+1)); done; sleep 0.001; done']
`

// TestServerKilledWhileAPodLogsFast kills -9 the server at seeded random
// moments while a pod prints numbered lines fast, and expects every line
// in `kubectl logs` exactly once, in order: the pod's shim writes its
// log, so no line read from the container's pipe dies with the server.
// ORDO_TEST_SEED replays a run.
func TestServerKilledWhileAPodLogsFast(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("ORDO_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (ORDO_TEST_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	c := testcluster.StartT(t, "--node-name", fmt.Sprintf("fastlog-%d", os.Getpid()))
	c.RunIn(fastLogger, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/fastlogger", "--timeout=120s")
	for round := 0; round < 6; round++ {
		delay := time.Duration(rng.Intn(1500)) * time.Millisecond
		t.Logf("round %d: kill -9 after %s", round, delay)
		time.Sleep(delay)
		c.Kill9()
		if err := c.Restart(); err != nil {
			t.Fatal(err)
		}
		c.Run("wait", "--for=condition=Ready", "pod/fastlogger", "--timeout=120s")
	}
	// Past the last restart, the log keeps growing.
	last := 0
	waitFor(t, func() bool {
		n, _ := countedLines(c.Run("logs", "fastlogger"), "line ")
		if last == 0 {
			last = n
		}
		return n > last+100
	}, "the log grows after the last restart")
	for _, prefix := range []string{"line ", "err "} {
		n, problems := countedLines(c.Run("logs", "fastlogger"), prefix)
		t.Logf("%q: %d lines", prefix, n)
		for _, p := range problems {
			t.Error(p)
		}
	}
}

// maxProblems bounds what countedLines reports: a log that went wrong
// early would otherwise make one problem of each of its millions of lines.
const maxProblems = 20

// countedLines checks that the lines starting with prefix number 0, 1,
// 2 … (every tenth for "err ") with none missing or doubled; it returns
// the highest number seen and what is wrong (the first maxProblems, then
// how many more).
func countedLines(log, prefix string) (int, []string) {
	step := 1
	if prefix == "err " {
		step = 10
	}
	var problems []string
	more := 0
	report := func(p string) {
		if len(problems) < maxProblems {
			problems = append(problems, p)
		} else {
			more++
		}
	}
	next := 0
	for l := range strings.SplitSeq(log, "\n") {
		rest, ok := strings.CutPrefix(l, prefix)
		if !ok {
			if l != "" && !strings.HasPrefix(l, "line ") && !strings.HasPrefix(l, "err ") {
				report(fmt.Sprintf("unexpected log line %q", l))
			}
			continue
		}
		n, err := strconv.Atoi(rest)
		switch {
		case err != nil:
			report(fmt.Sprintf("garbled log line %q", l))
		case n < next:
			report(fmt.Sprintf("%s%d again after %s%d", prefix, n, prefix, next-step))
		case n > next:
			report(fmt.Sprintf("%d lines lost before %s%d", (n-next)/step, prefix, n))
		}
		if err == nil && n >= next {
			next = n + step
		}
	}
	if more > 0 {
		problems = append(problems, fmt.Sprintf("and %d more problems", more))
	}
	return next - step, problems
}
