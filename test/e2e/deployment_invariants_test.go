package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// rollingDeployment has 6 replicas, maxSurge 1 and maxUnavailable 1, and
// pods that are Ready a moment after they start.
const rollingDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: roll}
spec:
  replicas: 6
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 1}
  selector:
    matchLabels: {app: roll}
  template:
    metadata:
      labels: {app: roll}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: busybox
        command: [sleep, "3600"]
        readinessProbe:
          exec: {command: ["true"]}
          periodSeconds: 1
`

// TestDeploymentRolloutsStayWithinSurgeAndUnavailable watches every pod
// event through four rollouts (two restarts, two template changes): the
// live pods never exceed replicas+maxSurge (7), and the Ready ones never
// drop below replicas−maxUnavailable (5).
func TestDeploymentRolloutsStayWithinSurgeAndUnavailable(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(rollingDeployment, "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/roll", "--timeout=120s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := watchRollout(ctx, t, cs)
	hash := podTemplateHashes(t, cs)
	var lastRestart time.Time
	for i, step := range [][]string{
		{"rollout", "restart", "deployment/roll"},
		{"set", "env", "deployment/roll", "STEP=1"},
		{"rollout", "restart", "deployment/roll"},
		{"set", "env", "deployment/roll", "STEP=3"},
	} {
		if step[0] == "rollout" {
			// kubectl stamps restartedAt to the second and refuses a
			// restart that would not change it.
			waitForNextSecond(lastRestart)
			lastRestart = time.Now()
		}
		c.Run(step...)
		c.Run("rollout", "status", "deployment/roll", "--timeout=120s")
		next := podTemplateHashes(t, cs)
		if len(next) != 1 || next[0] == hash[0] {
			t.Fatalf("after rollout %d the pods' pod-template-hash values are %v (before: %v); want one new hash", i+1, next, hash)
		}
		hash = next
		t.Logf("rollout %d done: at most %d live and at least %d Ready pods seen", i+1, w.maxLive(), w.minReady())
	}
	if v := w.violations(); len(v) > 0 {
		t.Fatalf("rollouts broke maxSurge or maxUnavailable:\n%s", strings.Join(v, "\n"))
	}
	if w.maxLive() < 7 {
		t.Errorf("never more than %d live pods: the rollouts did not surge, the test proves little", w.maxLive())
	}
}

// podTemplateHashes lists the distinct pod-template-hash labels of the
// Deployment's live pods.
func podTemplateHashes(t *testing.T, cs kubernetes.Interface) []string {
	t.Helper()
	pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=roll"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			seen[p.Labels["pod-template-hash"]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// waitForNextSecond sleeps until the wall clock's second differs from
// the one of since.
func waitForNextSecond(since time.Time) {
	if d := time.Until(since.Truncate(time.Second).Add(time.Second)); d > 0 {
		time.Sleep(d)
	}
}

// rolloutWatch keeps every live pod of the Deployment and checks the
// bounds after each event.
type rolloutWatch struct {
	mu          sync.Mutex
	live        map[types.UID]*corev1.Pod
	broken      []string
	most, least int
}

func watchRollout(ctx context.Context, t *testing.T, cs kubernetes.Interface) *rolloutWatch {
	t.Helper()
	rw := &rolloutWatch{live: map[types.UID]*corev1.Pod{}, least: 1 << 30}
	watchPods(ctx, t, cs, "app=roll", rw)
	return rw
}

// observe records one event; check is false while the initial list loads.
func (rw *rolloutWatch) observe(typ watch.EventType, p *corev1.Pod, check bool) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if typ == watch.Deleted || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		delete(rw.live, p.UID)
	} else {
		rw.live[p.UID] = p
	}
	if !check {
		return
	}
	ready := 0
	for _, q := range rw.live {
		if podReady(q) {
			ready++
		}
	}
	rw.most, rw.least = max(rw.most, len(rw.live)), min(rw.least, ready)
	if len(rw.live) > 7 {
		rw.broken = append(rw.broken, fmt.Sprintf("%d live pods after %s of %s", len(rw.live), typ, p.Name))
	}
	if ready < 5 {
		rw.broken = append(rw.broken, fmt.Sprintf("%s Ready pods after %s of %s", strconv.Itoa(ready), typ, p.Name))
	}
}

func (rw *rolloutWatch) reset() {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	rw.live = map[types.UID]*corev1.Pod{}
}

func (rw *rolloutWatch) violations() []string {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return append([]string(nil), rw.broken...)
}

func (rw *rolloutWatch) maxLive() int  { rw.mu.Lock(); defer rw.mu.Unlock(); return rw.most }
func (rw *rolloutWatch) minReady() int { rw.mu.Lock(); defer rw.mu.Unlock(); return rw.least }
