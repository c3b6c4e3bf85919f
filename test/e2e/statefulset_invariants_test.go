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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// TestStatefulSetInvariantsUnderRandomOperations runs a seeded random
// sequence of scale, pod deletion, template change and server kill -9
// against an OrderedReady StatefulSet, with a checker watching every pod
// event. It must never see a pod created for ordinal N while the current
// pod of some ordinal below N has not been Ready since it was created, a
// pod with another ordinal's claim, or a pod outside the set's ordinals
// created; and each step must converge.
func TestStatefulSetInvariantsUnderRandomOperations(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	seed := uint64(9) // scales up to 3 and 4, template changes, a kill -9
	rng := rand.New(rand.NewPCG(seed, seed))
	t.Logf("seed %d", seed)
	c.RunIn(headlessSleep+"---\n"+statefulSet("apps/v1", "sleep-with-pvc", "data"), "apply", "-f", "-")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chk := startChecker(ctx, t, cs)
	replicas := 2
	c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=120s")
	for step := 0; step < 14; step++ {
		op := rng.IntN(10)
		switch {
		case op < 4:
			replicas = rng.IntN(4) + 1
			t.Logf("step %d: scale to %d", step, replicas)
			c.Run("scale", "sts", "sleep-with-pvc", "--replicas="+strconv.Itoa(replicas))
		case op < 7:
			ord := rng.IntN(replicas)
			t.Logf("step %d: delete pod %d", step, ord)
			c.Run("delete", "pod", "sleep-with-pvc-"+strconv.Itoa(ord), "--wait=false")
		case op < 9:
			t.Logf("step %d: template change", step)
			c.Run("set", "env", "statefulset/sleep-with-pvc", "STEP="+strconv.Itoa(step))
		default:
			t.Logf("step %d: kill -9 the server and restart it", step)
			c.Kill9()
			if err := c.Restart(); err != nil {
				t.Fatal(err)
			}
		}
		c.Run("rollout", "status", "statefulset/sleep-with-pvc", "--timeout=180s")
		waitFor(t, func() bool { return len(liveMembers(t, cs)) == replicas }, fmt.Sprintf("step %d: exactly %d pods", step, replicas))
	}
	if v := chk.violations(); len(v) > 0 {
		t.Fatalf("invariants broken:\n%s", strings.Join(v, "\n"))
	}
	if chk.created() < 4 {
		t.Fatalf("the checker saw only %d pod creations; it proves little", chk.created())
	}
}

// checker follows the set's pods through a watch that resumes across
// server restarts.
type checker struct {
	mu      sync.Mutex
	current map[int]types.UID // ordinal → uid of its latest pod
	readyOK map[types.UID]bool
	broken  []string
	adds    int
}

func startChecker(ctx context.Context, t *testing.T, cs kubernetes.Interface) *checker {
	t.Helper()
	chk := &checker{current: map[int]types.UID{}, readyOK: map[types.UID]bool{}}
	watchPods(ctx, t, cs, "", chk)
	return chk
}

// podObserver is fed by watchPods: observe gets each pod event (check is
// false while a list loads), reset comes before each list.
type podObserver interface {
	observe(typ watch.EventType, p *corev1.Pod, check bool)
	reset()
}

// watchPods lists the default namespace's pods matching selector, then
// follows every watch event, resuming across server restarts. A restarted
// server's watch cache starts at its newest resourceVersion and answers an
// older one with 410 Expired, as kube-apiserver does; watchPods then
// relists, as an informer would, so the events of the restart's few
// milliseconds between the last event seen and the relist go unchecked.
func watchPods(ctx context.Context, t *testing.T, cs kubernetes.Interface, selector string, obs podObserver) {
	t.Helper()
	rv, err := relistPods(ctx, cs, selector, obs)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for ctx.Err() == nil {
			followPods(ctx, cs, selector, rv, obs)
			for ctx.Err() == nil {
				if rv, err = relistPods(ctx, cs, selector, obs); err == nil {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()
}

func relistPods(ctx context.Context, cs kubernetes.Interface, selector string, obs podObserver) (string, error) {
	list, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return "", err
	}
	obs.reset()
	for i := range list.Items {
		obs.observe(watch.Added, &list.Items[i], false)
	}
	return list.ResourceVersion, nil
}

// followPods feeds watch events from rv until the watch expires or ctx
// is done.
func followPods(ctx context.Context, cs kubernetes.Interface, selector, rv string, obs podObserver) {
	w, err := watchtools.NewRetryWatcherWithContext(ctx, rv, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = selector
			return cs.CoreV1().Pods("default").Watch(ctx, o)
		},
	})
	if err != nil {
		return
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if p, ok := ev.Object.(*corev1.Pod); ok {
			obs.observe(ev.Type, p, true)
		} else if ev.Type == watch.Error {
			return
		}
	}
}

func (k *checker) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.current = map[int]types.UID{}
}

func (k *checker) observe(typ watch.EventType, p *corev1.Pod, check bool) {
	ord, ok := memberOrdinal(p)
	if !ok {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if typ == watch.Added {
		if check {
			k.adds++
			k.checkCreation(p, ord)
		}
		k.current[ord] = p.UID
	}
	if typ == watch.Deleted && k.current[ord] == p.UID {
		delete(k.current, ord)
	}
	if podReady(p) {
		k.readyOK[p.UID] = true
	}
}

// checkCreation: ordinal ord was created; every lower ordinal's current
// pod must have been Ready, and the pod must mount its own claim.
func (k *checker) checkCreation(p *corev1.Pod, ord int) {
	for lower := 0; lower < ord; lower++ {
		uid, exists := k.current[lower]
		if !exists || !k.readyOK[uid] {
			k.broken = append(k.broken, fmt.Sprintf("%s created while ordinal %d was missing or never Ready", p.Name, lower))
		}
	}
	for _, v := range p.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName != "data-"+p.Name {
			k.broken = append(k.broken, fmt.Sprintf("%s mounts claim %s", p.Name, v.PersistentVolumeClaim.ClaimName))
		}
	}
	if ord >= 4 {
		k.broken = append(k.broken, fmt.Sprintf("%s created beyond the largest scale (4)", p.Name))
	}
}

func (k *checker) violations() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.broken...)
}

func (k *checker) created() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.adds
}

func memberOrdinal(p *corev1.Pod) (int, bool) {
	rest, ok := strings.CutPrefix(p.Name, "sleep-with-pvc-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// liveMembers are the set's pods not terminating.
func liveMembers(t *testing.T, cs kubernetes.Interface) []string {
	var out []string
	for i := 0; i < 8; i++ {
		if stsPod(t, cs, i) != nil {
			out = append(out, strconv.Itoa(i))
		}
	}
	return out
}
