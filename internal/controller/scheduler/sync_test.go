package scheduler

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

type fixture struct {
	ctl      *Controller
	client   *fake.Clientset
	recorder *record.FakeRecorder
}

// newFixture serves objs from the fake client and fills the informer
// caches with them directly, so sync can be called without Run.
func newFixture(t *testing.T, objs ...runtime.Object) fixture {
	t.Helper()
	client := fake.NewClientset(objs...)
	ctl, err := New(Config{Client: client, Clock: clocktesting.NewFakeClock(anchor)})
	if err != nil {
		t.Fatal(err)
	}
	rec := record.NewFakeRecorder(10)
	ctl.recorder = rec
	for _, o := range objs {
		inf := ctl.pods
		switch o.(type) {
		case *corev1.Node:
			inf = ctl.nodes
		case *corev1.PersistentVolumeClaim:
			inf = ctl.claimsInf
		case *corev1.PersistentVolume:
			inf = ctl.base.Informers.Core().V1().PersistentVolumes().Informer()
		case *storagev1.StorageClass:
			inf = ctl.classesInf
		}
		if err := inf.GetIndexer().Add(o); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return fixture{ctl: ctl, client: client, recorder: rec}
}

// bindings returns "pod→node" for each pods/binding create.
func (f fixture) bindings() []string {
	var out []string
	for _, a := range f.client.Actions() {
		c, ok := a.(clienttesting.CreateAction)
		if !ok || a.GetSubresource() != "binding" {
			continue
		}
		b := c.GetObject().(*corev1.Binding)
		out = append(out, b.Name+"→"+b.Target.Name)
	}
	return out
}

func (f fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func (f fixture) sync(t *testing.T, key string) *time.Duration {
	t.Helper()
	after, err := f.ctl.sync(context.Background(), key)
	if err != nil {
		t.Fatalf("sync %s: %v", key, err)
	}
	return after
}

// TestSyncKeepsAPodWithAnUnboundClaimPending: the pod is not bound while
// its claim is Pending, and is once the claim binds.
func TestSyncKeepsAPodWithAnUnboundClaimPending(t *testing.T) {
	pvc := claim("data", "", false)
	f := newFixture(t, node("n1"), pod("p", withClaim("data")), pvc, &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-data"}})
	if f.sync(t, "default/p") == nil {
		t.Error("no retry after a back-off")
	}
	if b := f.bindings(); len(b) != 0 {
		t.Fatalf("bound with an unbound claim: %v", b)
	}
	want := "Warning FailedScheduling 0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."
	if ev := f.events(); len(ev) != 1 || ev[0] != want {
		t.Errorf("events %q, want %q", ev, want)
	}
	f.ctl.claimsInf.GetIndexer().Update(claim("data", "", true))
	f.ctl.moveWaiting(evClaimChange) // what the claim's update handler does
	f.ctl.clock.(*clocktesting.FakeClock).Step(initialBackoff)
	f.sync(t, "default/p")
	if b := f.bindings(); len(b) != 1 || b[0] != "p→n1" {
		t.Errorf("bindings once the claim is bound: %v", b)
	}
}

// TestSyncProvisionsDelayedClaimsBeforeBinding: a pod with an unbound
// WaitForFirstConsumer claim is not bound at once: the chosen node goes
// into the claim's selected-node annotation, and the pod is bound to that
// node once the claim is bound to a volume pinned there.
func TestSyncProvisionsDelayedClaimsBeforeBinding(t *testing.T) {
	late := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "late"}, VolumeBindingMode: ptr.To(storagev1.VolumeBindingWaitForFirstConsumer)}
	f := newFixture(t, node("a"), node("b"), pod("busy", onNode("b")), pod("p", withClaim("data")), claim("data", "late", false), late)
	if f.sync(t, "default/p") == nil {
		t.Error("no retry while the claim is provisioned")
	}
	if b := f.bindings(); len(b) != 0 {
		t.Fatalf("bound before the claim: %v", b)
	}
	got, err := f.client.CoreV1().PersistentVolumeClaims("default").Get(context.Background(), "data", metav1.GetOptions{})
	if err != nil || got.Annotations[volumehelpers.AnnSelectedNode] != "a" {
		t.Fatalf("claim annotations %v, %v: want selected-node a, the least loaded", got.Annotations, err)
	}
	// The provisioner pinned the volume to a; b is now emptier, but the
	// pod follows its volume.
	f.ctl.pods.GetIndexer().Delete(pod("busy", onNode("b")))
	must(t, f.ctl.base.Informers.Core().V1().PersistentVolumes().Informer().GetIndexer().Add(pinnedVolume("data", "a")))
	must(t, f.ctl.claimsInf.GetIndexer().Update(claim("data", "late", true)))
	f.sync(t, "default/p")
	if b := f.bindings(); len(b) != 1 || b[0] != "p→a" {
		t.Errorf("bindings once the claim is bound: %v", b)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSyncBindsToLeastLoaded(t *testing.T) {
	f := newFixture(t, node("a"), node("b"), pod("busy", onNode("a")), pod("done", onNode("b"), phase(corev1.PodSucceeded)), pod("p"))
	if after := f.sync(t, "default/p"); after != nil {
		t.Errorf("requeue after %v", *after)
	}
	if got := f.bindings(); len(got) != 1 || got[0] != "p→b" {
		t.Errorf("bindings = %v", got)
	}
	b := f.client.Actions()[0].(clienttesting.CreateAction).GetObject().(*corev1.Binding)
	if b.Namespace != "default" || b.UID != "uid-p" || b.Target.Kind != "Node" {
		t.Errorf("binding = %+v", b)
	}
	if ev := f.events(); len(ev) != 1 || ev[0] != "Normal Scheduled Successfully assigned default/p to b" {
		t.Errorf("events = %v", ev)
	}
}

// A burst of pods spreads although the cache has not seen the bindings.
func TestSyncSpreadsBeforeCacheCatchesUp(t *testing.T) {
	f := newFixture(t, node("a"), node("b"), pod("p1"), pod("p2"), pod("p3"))
	for _, p := range []string{"p1", "p2", "p3"} {
		f.sync(t, "default/"+p)
	}
	want := []string{"p1→a", "p2→b", "p3→a"}
	if got := f.bindings(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("bindings = %v, want %v", got, want)
	}
	f.client.ClearActions()
	f.sync(t, "default/p1") // requeued before the cache shows it bound
	if got := f.bindings(); len(got) != 0 {
		t.Errorf("an assumed pod was bound again: %v", got)
	}
	bound := pod("p1", onNode("a"))
	if err := f.ctl.pods.GetIndexer().Update(bound); err != nil {
		t.Fatal(err)
	}
	f.ctl.onPodUpdate(pod("p1"), bound)
	if f.ctl.state.isAssumed("default/p1", "uid-p1") {
		t.Error("the informer showed the binding: assumption must go")
	}
}

func TestSyncConflictIsDone(t *testing.T) {
	for name, err := range map[string]error{
		"conflict":  apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, "p", nil),
		"not found": apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p"),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, node("a"), pod("p"))
			f.client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
				return a.GetSubresource() == "binding", nil, err
			})
			if after := f.sync(t, "default/p"); after != nil {
				t.Errorf("requeue after %v", *after)
			}
			if ev := f.events(); len(ev) != 0 {
				t.Errorf("events = %v", ev)
			}
			if f.ctl.state.isAssumed("default/p", "uid-p") {
				t.Error("a binding that did not happen is still assumed")
			}
		})
	}
}

func TestSyncUnschedulable(t *testing.T) {
	f := newFixture(t, node("a", tainted("k", "v", corev1.TaintEffectNoSchedule)), node("b"), pod("p", selector("disk", "ssd")))
	after := f.sync(t, "default/p")
	if after == nil || *after != maxWaitUnschedulable {
		t.Fatalf("requeue after %v, want %v (parked until an event)", after, maxWaitUnschedulable)
	}
	if got := f.bindings(); len(got) != 0 {
		t.Errorf("bindings = %v", got)
	}
	msg := "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {k: v}."
	updated := f.statusWrite(t)
	c := updated.Status.Conditions[0]
	if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse || c.Reason != "Unschedulable" || c.Message != msg {
		t.Errorf("condition = %+v", c)
	}
	if ev := f.events(); len(ev) != 1 || ev[0] != "Warning FailedScheduling "+msg {
		t.Errorf("events = %v", ev)
	}

	// Parked: a sync before any event (a stale timer) makes no attempt.
	if err := f.ctl.pods.GetIndexer().Update(updated); err != nil {
		t.Fatal(err)
	}
	f.client.ClearActions()
	if after := f.sync(t, "default/p"); after == nil || *after != maxWaitUnschedulable {
		t.Errorf("parked pod: requeue after %v, want %v", after, maxWaitUnschedulable)
	}
	if len(f.client.Actions()) != 0 || len(f.events()) != 0 {
		t.Errorf("a parked pod was tried: %v", f.client.Actions())
	}

	// A node event moves it; after its 1s back-off it is tried again: the
	// same event, no second status write, parked again with 2 failures.
	f.ctl.moveWaiting(evNodeUpdate)
	f.ctl.clock.(*clocktesting.FakeClock).Step(time.Second)
	if after := f.sync(t, "default/p"); after == nil || *after != maxWaitUnschedulable {
		t.Errorf("second attempt: requeue after %v, want %v", after, maxWaitUnschedulable)
	}
	if len(f.client.Actions()) != 0 {
		t.Errorf("unchanged status written again: %v", f.client.Actions())
	}
	if ev := f.events(); len(ev) != 1 {
		t.Errorf("second attempt events = %v, want one FailedScheduling", ev)
	}
	if got := f.ctl.state.move(evNodeUpdate, f.ctl.clock.Now(), false); got["default/p"] != 2*time.Second {
		t.Errorf("moved after 2 failures: %v, want default/p after 2s", got)
	}
}

// statusWrite returns the one pods/status update made.
func (f fixture) statusWrite(t *testing.T) *corev1.Pod {
	t.Helper()
	var out []*corev1.Pod
	for _, a := range f.client.Actions() {
		if u, ok := a.(clienttesting.UpdateAction); ok && a.GetSubresource() == "status" {
			out = append(out, u.GetObject().(*corev1.Pod))
		}
	}
	if len(out) != 1 {
		t.Fatalf("status writes = %d, want 1 (actions %v)", len(out), f.client.Actions())
	}
	return out[0]
}

func TestSyncSkips(t *testing.T) {
	f := newFixture(t, node("a"), pod("bound", onNode("a")),
		pod("gated", func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "g"}} }))
	for _, key := range []string{"default/bound", "default/gated", "default/gone"} {
		if after := f.sync(t, key); after != nil {
			t.Errorf("%s: requeue after %v", key, *after)
		}
	}
	if len(f.client.Actions()) != 0 {
		t.Errorf("actions = %v", f.client.Actions())
	}
}

func TestNodeEventsRequeuePending(t *testing.T) {
	f := newFixture(t, node("a"), pod("p", selector("disk", "ssd")), pod("q", onNode("a")))
	f.sync(t, "default/p") // fails: parked
	heartbeat := node("a")
	heartbeat.ResourceVersion = "2"
	f.ctl.onNodeUpdate(node("a"), heartbeat)
	if n := f.ctl.queue.Len(); n != 0 {
		t.Fatalf("a heartbeat queued %d pods", n)
	}
	f.ctl.onNodeUpdate(node("a"), node("a", labelled("disk", "ssd")))
	// The pod failed once at anchor and the clock has not moved: it is
	// queued after its 1s back-off.
	f.ctl.clock.(*clocktesting.FakeClock).Step(time.Second)
	if err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return f.ctl.queue.Len() > 0, nil
	}); err != nil {
		t.Fatal("the parked pod was not queued after its back-off")
	}
	if n := f.ctl.queue.Len(); n != 1 {
		t.Fatalf("queue length = %d, want 1 (only the pending pod)", n)
	}
	if key, _ := f.ctl.queue.Get(); key != "default/p" {
		t.Errorf("queued %q", key)
	}
}
