package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// TestDeploymentInvariantsUnderRandomOperations runs a seeded random
// sequence of scale, pod deletion, template change, rollout restart and
// server kill -9 against the 6-replica maxSurge 1 / maxUnavailable 1
// Deployment, with a checker on every pod event. Whatever the test itself
// breaks (a deleted pod, every pod killed with the server), the
// controller must never create a pod beyond replicas+maxSurge live pods,
// nor delete a Ready pod when that leaves fewer than replicas −
// maxUnavailable Ready; and each step must converge. Around a scale, the
// bounds are those of the larger (creation) and the smaller (deletion)
// replica count.
func TestDeploymentInvariantsUnderRandomOperations(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	seed := uint64(5)
	rng := rand.New(rand.NewPCG(seed, seed))
	t.Logf("seed %d", seed)
	c.RunIn(rollingDeployment, "apply", "-f", "-")
	c.Run("rollout", "status", "deployment/roll", "--timeout=120s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chk := &deployChecker{live: map[types.UID]*corev1.Pod{}, byTest: map[string]bool{}, most: 6, least: 6}
	watchPods(ctx, t, cs, "app=roll", chk)
	replicas, kinds := 6, map[string]int{}
	for step := 0; step < 16; step++ {
		op := rng.IntN(12)
		switch {
		case op < 3:
			next := rng.IntN(6) + 3
			kinds["scale"]++
			t.Logf("step %d: scale %d → %d", step, replicas, next)
			chk.bounds(max(replicas, next), min(replicas, next))
			replicas = next
			c.Run("scale", "deployment/roll", "--replicas="+strconv.Itoa(next))
		case op < 6:
			pods := deploymentPodsOf(t, cs, "app=roll")
			victim := pods[rng.IntN(len(pods))]
			kinds["delete"]++
			t.Logf("step %d: delete pod %s", step, victim)
			chk.deletedByTest(victim)
			c.Run("delete", "pod", victim, "--wait=false")
		case op < 8:
			kinds["template"]++
			t.Logf("step %d: template change", step)
			c.Run("set", "env", "deployment/roll", "STEP="+strconv.Itoa(step))
		case op < 11:
			kinds["restart"]++
			t.Logf("step %d: rollout restart", step)
			waitForNextSecond(chk.lastRestart)
			c.Run("rollout", "restart", "deployment/roll")
			chk.restarted()
		default:
			kinds["kill"]++
			t.Logf("step %d: kill -9 the server and restart it", step)
			c.Kill9()
			if err := c.Restart(); err != nil {
				t.Fatal(err)
			}
		}
		c.Run("rollout", "status", "deployment/roll", "--timeout=180s")
		waitFor(t, func() bool { return len(deploymentPodsOf(t, cs, "app=roll")) == replicas }, fmt.Sprintf("step %d: exactly %d pods", step, replicas))
		chk.bounds(replicas, replicas)
	}
	t.Logf("operations %v; controller created %d pods and deleted %d Ready ones", kinds, chk.creations, chk.readyDeletions)
	if v := chk.violations(); len(v) > 0 {
		t.Fatalf("invariants broken:\n%s", strings.Join(v, "\n"))
	}
	if kinds["scale"] == 0 || kinds["template"]+kinds["restart"] == 0 || kinds["delete"] == 0 || chk.readyDeletions < 6 || chk.creations < 20 {
		t.Fatalf("the sequence (%v, %d Ready pods deleted, %d created by the controller) proves little; choose another seed", kinds, chk.readyDeletions, chk.creations)
	}
}

// deployChecker tracks the Deployment's live (not terminating) pods and
// checks each controller creation and each controller deletion of a
// Ready pod against the bounds in effect.
type deployChecker struct {
	mu                        sync.Mutex
	live                      map[types.UID]*corev1.Pod
	byTest                    map[string]bool // pods the test deleted
	most, least               int             // replicas for the creation and deletion bounds
	broken                    []string
	creations, readyDeletions int
	lastRestart               time.Time
}

func (k *deployChecker) bounds(most, least int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.most, k.least = most, least
}

func (k *deployChecker) deletedByTest(pod string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.byTest[pod] = true
}

func (k *deployChecker) restarted() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lastRestart = time.Now()
}

func (k *deployChecker) observe(typ watch.EventType, p *corev1.Pod, check bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	prev, wasLive := k.live[p.UID]
	gone := typ == watch.Deleted || p.DeletionTimestamp != nil
	if gone {
		delete(k.live, p.UID)
	} else {
		k.live[p.UID] = p
	}
	if !check {
		return
	}
	if typ == watch.Added && !gone {
		k.creations++
		if len(k.live) > k.most+1 {
			k.broken = append(k.broken, fmt.Sprintf("created %s with %d live pods (replicas %d + maxSurge 1)", p.Name, len(k.live), k.most))
		}
	}
	if gone && wasLive && podReady(prev) && !k.byTest[p.Name] {
		k.readyDeletions++
		if ready := k.readyCount(); ready < k.least-1 {
			k.broken = append(k.broken, fmt.Sprintf("deleted Ready %s leaving %d Ready (replicas %d − maxUnavailable 1)", p.Name, ready, k.least))
		}
	}
}

func (k *deployChecker) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.live = map[types.UID]*corev1.Pod{}
}

func (k *deployChecker) readyCount() int {
	n := 0
	for _, p := range k.live {
		if podReady(p) {
			n++
		}
	}
	return n
}

func (k *deployChecker) violations() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.broken...)
}
