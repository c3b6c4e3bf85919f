package daemonset

import (
	"reflect"
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/controller/revisions"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const curHash = "new"

func daemonSet(opts ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "fluentd", UID: "ds-uid", Generation: 2},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"name": "fluentd"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"name": "fluentd"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "fluentd:2"}}}},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromInt32(0))}},
		},
	}
	for _, o := range opts {
		o(ds)
	}
	return ds
}

func node(name string, opts ...func(*corev1.Node)) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}
	for _, o := range opts {
		o(n)
	}
	return n
}

func labelled(k, v string) func(*corev1.Node) { return func(n *corev1.Node) { n.Labels[k] = v } }
func tainted(key string, effect corev1.TaintEffect) func(*corev1.Node) {
	return func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Effect: effect}) }
}

type podOpt func(*corev1.Pod)

func pod(name, nodeName string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + "name",
			Labels:            map[string]string{"name": "fluentd", appsv1.ControllerRevisionHashLabelKey: curHash},
			CreationTimestamp: metav1.NewTime(anchor.Add(-time.Hour))},
		Spec:   corev1.PodSpec{NodeName: nodeName},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func old(p *corev1.Pod)     { p.Labels[appsv1.ControllerRevisionHashLabelKey] = "old" }
func isReady(p *corev1.Pod) { readyFor(time.Hour)(p) }
func readyFor(d time.Duration) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(anchor.Add(-d))})
	}
}
func failed(p *corev1.Pod)   { p.Status.Phase = corev1.PodFailed }
func deleting(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: anchor} }
func created(ago time.Duration) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(anchor.Add(-ago)) }
}

func names(pods []*corev1.Pod) []string {
	out := []string{}
	for _, p := range pods {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func TestPlace(t *testing.T) {
	withSelector := func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} }
	tolerating := func(key string) func(*appsv1.DaemonSet) {
		return func(ds *appsv1.DaemonSet) {
			ds.Spec.Template.Spec.Tolerations = append(ds.Spec.Template.Spec.Tolerations,
				corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists})
		}
	}
	hostNet := func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.HostNetwork = true }
	affinity := func(ds *appsv1.DaemonSet) {
		ds.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
	}
	cases := []struct {
		name string
		ds   *appsv1.DaemonSet
		node *corev1.Node
		want placement
	}{
		{"plain", daemonSet(), node("n1"), placement{run: true, keep: true}},
		{"nodeSelector matches", daemonSet(withSelector), node("n1", labelled("disk", "ssd")), placement{run: true, keep: true}},
		{"nodeSelector does not", daemonSet(withSelector), node("n1"), placement{}},
		{"affinity matches", daemonSet(affinity), node("n1", labelled("zone", "a")), placement{run: true, keep: true}},
		{"affinity does not", daemonSet(affinity), node("n1", labelled("zone", "b")), placement{}},
		{"nodeName elsewhere", daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeName = "n2" }), node("n1"), placement{}},
		{"NoSchedule taint: no new pod, keep the old", daemonSet(), node("n1", tainted("dedicated", corev1.TaintEffectNoSchedule)), placement{keep: true}},
		{"NoExecute taint: neither", daemonSet(), node("n1", tainted("dedicated", corev1.TaintEffectNoExecute)), placement{}},
		{"PreferNoSchedule ignored", daemonSet(), node("n1", tainted("dedicated", corev1.TaintEffectPreferNoSchedule)), placement{run: true, keep: true}},
		{"tolerated taint", daemonSet(tolerating("dedicated")), node("n1", tainted("dedicated", corev1.TaintEffectNoSchedule)), placement{run: true, keep: true}},
		{"not-ready NoExecute tolerated by default", daemonSet(), node("n1", tainted(taintNotReady, corev1.TaintEffectNoExecute)), placement{run: true, keep: true}},
		{"unreachable NoExecute tolerated by default", daemonSet(), node("n1", tainted(taintUnreachable, corev1.TaintEffectNoExecute)), placement{run: true, keep: true}},
		{"not-ready NoSchedule is not", daemonSet(), node("n1", tainted(taintNotReady, corev1.TaintEffectNoSchedule)), placement{keep: true}},
		{"cordoned", daemonSet(), node("n1", tainted(taintUnschedulable, corev1.TaintEffectNoSchedule)), placement{run: true, keep: true}},
		{"memory pressure", daemonSet(), node("n1", tainted(taintMemoryPressure, corev1.TaintEffectNoSchedule)), placement{run: true, keep: true}},
		{"disk pressure", daemonSet(), node("n1", tainted(taintDiskPressure, corev1.TaintEffectNoSchedule)), placement{run: true, keep: true}},
		{"pid pressure", daemonSet(), node("n1", tainted(taintPIDPressure, corev1.TaintEffectNoSchedule)), placement{run: true, keep: true}},
		{"network unavailable", daemonSet(), node("n1", tainted(taintNetworkUnavailable, corev1.TaintEffectNoSchedule)), placement{keep: true}},
		{"network unavailable, host network", daemonSet(hostNet), node("n1", tainted(taintNetworkUnavailable, corev1.TaintEffectNoSchedule)), placement{run: true, keep: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := place(tc.node, tc.ds); got != tc.want {
				t.Errorf("place = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNewPodIsBoundToItsNodeByAffinity(t *testing.T) {
	ds := daemonSet(func(ds *appsv1.DaemonSet) {
		ds.Annotations = map[string]string{templateGenerationAnnotation: "3"}
		ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: taintNotReady, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](5)}}
	})
	p := newPod(ds, "abc", "n7")
	if p.Spec.NodeName != "" || targetNode(p) != "n7" {
		t.Errorf("nodeName %q, target %q", p.Spec.NodeName, targetNode(p))
	}
	if p.Labels[appsv1.ControllerRevisionHashLabelKey] != "abc" || p.Labels[templateGenerationLabel] != "3" || p.Labels["name"] != "fluentd" {
		t.Errorf("labels %v", p.Labels)
	}
	if p.GenerateName != "fluentd-" || p.OwnerReferences[0].UID != "ds-uid" || !*p.OwnerReferences[0].Controller {
		t.Errorf("meta %+v", p.ObjectMeta)
	}
	if len(p.Spec.Tolerations) != 6 || p.Spec.Tolerations[0].TolerationSeconds != nil {
		t.Errorf("tolerations %+v (the user's not-ready toleration is replaced, as upstream)", p.Spec.Tolerations)
	}
	if len(ds.Spec.Template.Spec.Tolerations) != 1 || ds.Spec.Template.Spec.Affinity != nil {
		t.Error("newPod changed the DaemonSet's template")
	}
}

func TestManage(t *testing.T) {
	cases := []struct {
		name       string
		ds         *appsv1.DaemonSet
		nodes      []*corev1.Node
		pods       []*corev1.Pod
		wantCreate []string
		wantRemove []string
		wantFailed []string
	}{
		{name: "a pod per node", ds: daemonSet(), nodes: []*corev1.Node{node("n1"), node("n2")}, pods: []*corev1.Pod{pod("a", "n1")},
			wantCreate: []string{"n2"}},
		{name: "unbound pod counts for its node", ds: daemonSet(), nodes: []*corev1.Node{node("n1")},
			pods: []*corev1.Pod{func() *corev1.Pod { p := pod("a", ""); bindToNode(&p.Spec, "n1"); return p }()}},
		{name: "surplus: keep the oldest", ds: daemonSet(), nodes: []*corev1.Node{node("n1")},
			pods: []*corev1.Pod{pod("young", "n1", created(time.Minute)), pod("old", "n1")}, wantRemove: []string{"young"}},
		{name: "pod being deleted: wait", ds: daemonSet(), nodes: []*corev1.Node{node("n1")}, pods: []*corev1.Pod{pod("a", "n1", deleting)}},
		{name: "failed pod", ds: daemonSet(), nodes: []*corev1.Node{node("n1")}, pods: []*corev1.Pod{pod("a", "n1", failed)}, wantFailed: []string{"a"}},
		{name: "node no longer selected", ds: daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = map[string]string{"x": "y"} }),
			nodes: []*corev1.Node{node("n1")}, pods: []*corev1.Pod{pod("a", "n1")}, wantRemove: []string{"a"}},
		{name: "NoSchedule taint keeps the pod", ds: daemonSet(), nodes: []*corev1.Node{node("n1", tainted("t", corev1.TaintEffectNoSchedule))},
			pods: []*corev1.Pod{pod("a", "n1")}},
		{name: "NoExecute taint removes it", ds: daemonSet(), nodes: []*corev1.Node{node("n1", tainted("t", corev1.TaintEffectNoExecute))},
			pods: []*corev1.Pod{pod("a", "n1")}, wantRemove: []string{"a"}},
		{name: "node gone", ds: daemonSet(), nodes: nil, pods: []*corev1.Pod{pod("a", "n1")}, wantRemove: []string{"a"}},
		{name: "surge: old and new side by side until the new is available", ds: surging(), nodes: []*corev1.Node{node("n1")},
			pods: []*corev1.Pod{pod("o", "n1", old, isReady), pod("n", "n1", created(time.Minute))}},
		{name: "surge: new available, old goes", ds: surging(), nodes: []*corev1.Node{node("n1")},
			pods: []*corev1.Pod{pod("o", "n1", old, isReady), pod("n", "n1", created(time.Minute), isReady)}, wantRemove: []string{"o"}},
		{name: "surge: old not ready goes", ds: surging(), nodes: []*corev1.Node{node("n1")},
			pods: []*corev1.Pod{pod("o", "n1", old), pod("n", "n1", created(time.Minute))}, wantRemove: []string{"o"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pl := manage(view{ds: tc.ds, nodes: tc.nodes, pods: byNode(tc.pods), hash: curHash, now: anchor})
			if !reflect.DeepEqual(sorted(pl.create), sorted(tc.wantCreate)) && len(pl.create)+len(tc.wantCreate) > 0 {
				t.Errorf("create %v, want %v", pl.create, tc.wantCreate)
			}
			if got := names(pl.remove); !reflect.DeepEqual(got, sorted(tc.wantRemove)) {
				t.Errorf("remove %v, want %v", got, tc.wantRemove)
			}
			if got := names(pl.failed); !reflect.DeepEqual(got, sorted(tc.wantFailed)) {
				t.Errorf("failed %v, want %v", got, tc.wantFailed)
			}
		})
	}
}

func surging() *appsv1.DaemonSet {
	return daemonSet(func(ds *appsv1.DaemonSet) {
		ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromInt32(1))}
	})
}

func nodes(names ...string) []*corev1.Node {
	out := []*corev1.Node{}
	for _, n := range names {
		out = append(out, node(n))
	}
	return out
}

func TestRollingUpdate(t *testing.T) {
	maxUnavailable := func(v intstr.IntOrString) func(*appsv1.DaemonSet) {
		return func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &v }
	}
	cases := []struct {
		name       string
		ds         *appsv1.DaemonSet
		nodes      []*corev1.Node
		pods       []*corev1.Pod
		wantRemove []string
		wantCreate []string
	}{
		{name: "one at a time", ds: daemonSet(), nodes: nodes("n1", "n2", "n3"),
			pods:       []*corev1.Pod{pod("a", "n1", old, isReady), pod("b", "n2", old, isReady), pod("c", "n3", old, isReady)},
			wantRemove: []string{"a"}},
		{name: "an unavailable new pod uses the budget", ds: daemonSet(), nodes: nodes("n1", "n2"),
			pods: []*corev1.Pod{pod("a", "n1"), pod("b", "n2", old, isReady)}},
		{name: "a node without a pod uses the budget", ds: daemonSet(), nodes: nodes("n1", "n2"),
			pods: []*corev1.Pod{pod("b", "n2", old, isReady)}, wantCreate: []string{"n1"}},
		{name: "unavailable old pods are replaced anyway", ds: daemonSet(), nodes: nodes("n1", "n2", "n3"),
			pods:       []*corev1.Pod{pod("a", "n1"), pod("b", "n2", old), pod("c", "n3", old, isReady)},
			wantRemove: []string{"b"}},
		{name: "percent rounds up", ds: daemonSet(maxUnavailable(intstr.FromString("50%"))), nodes: nodes("n1", "n2", "n3"),
			pods:       []*corev1.Pod{pod("a", "n1", old, isReady), pod("b", "n2", old, isReady), pod("c", "n3", old, isReady)},
			wantRemove: []string{"a", "b"}},
		{name: "all updated", ds: daemonSet(), nodes: nodes("n1", "n2"),
			pods: []*corev1.Pod{pod("a", "n1", isReady), pod("b", "n2", isReady)}},
		{name: "minReadySeconds: ready but not yet available", ds: daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = 60 }),
			nodes: nodes("n1", "n2"), pods: []*corev1.Pod{pod("a", "n1", readyFor(10*time.Second)), pod("b", "n2", old, isReady)}},
		{name: "OnDelete does nothing", ds: daemonSet(func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
		}), nodes: nodes("n1"), pods: []*corev1.Pod{pod("a", "n1", old, isReady)}},
		{name: "surge: one new pod beside an old", ds: surging(), nodes: nodes("n1", "n2"),
			pods: []*corev1.Pod{pod("a", "n1", old, isReady), pod("b", "n2", old, isReady)}, wantCreate: []string{"n1"}},
		{name: "surge: an unavailable new pod uses the budget", ds: surging(), nodes: nodes("n1", "n2"),
			pods: []*corev1.Pod{pod("a", "n1", old, isReady), pod("a2", "n1", created(time.Minute)), pod("b", "n2", old, isReady)}},
		{name: "surge: available new pod, old goes, next surges", ds: surging(), nodes: nodes("n1", "n2"),
			pods:       []*corev1.Pod{pod("a", "n1", old, isReady), pod("a2", "n1", created(time.Minute), isReady), pod("b", "n2", old, isReady)},
			wantRemove: []string{"a"}, wantCreate: []string{"n2"}},
		{name: "surge: unavailable old pod replaced at once", ds: surging(), nodes: nodes("n1", "n2"),
			pods: []*corev1.Pod{pod("a", "n1", old), pod("b", "n2", old)}, wantCreate: []string{"n1", "n2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pl := decide(view{ds: tc.ds, nodes: tc.nodes, pods: byNode(tc.pods), hash: curHash, now: anchor})
			if got := names(pl.remove); !reflect.DeepEqual(got, sorted(tc.wantRemove)) {
				t.Errorf("remove %v, want %v", got, tc.wantRemove)
			}
			if got := sorted(pl.create); !reflect.DeepEqual(got, sorted(tc.wantCreate)) {
				t.Errorf("create %v, want %v", got, tc.wantCreate)
			}
		})
	}
}

func TestComputeStatus(t *testing.T) {
	ds := daemonSet(func(ds *appsv1.DaemonSet) {
		ds.Spec.MinReadySeconds = 30
		ds.Spec.Template.Spec.NodeSelector = map[string]string{"role": "log"}
	})
	ns := []*corev1.Node{
		node("ready", labelled("role", "log")), node("young", labelled("role", "log")), node("old", labelled("role", "log")),
		node("empty", labelled("role", "log")), node("other"),
	}
	pods := []*corev1.Pod{
		pod("a", "ready", isReady), pod("b", "young", readyFor(10*time.Second)), pod("c", "old", old, isReady), pod("d", "other"),
	}
	st, next := computeStatus(view{ds: ds, nodes: ns, pods: byNode(pods), hash: curHash, now: anchor})
	want := appsv1.DaemonSetStatus{ObservedGeneration: 2, DesiredNumberScheduled: 4, CurrentNumberScheduled: 3, NumberReady: 3,
		NumberAvailable: 2, UpdatedNumberScheduled: 2, NumberUnavailable: 2, NumberMisscheduled: 1}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("status\n got %+v\nwant %+v", st, want)
	}
	if next == nil || *next != 21*time.Second {
		t.Errorf("look again after %v, want 21s", next)
	}
}

func TestCurrentRevision(t *testing.T) {
	ds := daemonSet()
	h, err := currentRevision(ds, nil)
	if err != nil || !h.create || h.current.Revision != 1 {
		t.Fatalf("first: %+v, %v", h, err)
	}
	first := h.current
	hash := first.Labels[appsv1.ControllerRevisionHashLabelKey]
	if first.Name != "fluentd-"+hash || first.Labels["name"] != "fluentd" {
		t.Errorf("revision meta %+v", first.ObjectMeta)
	}
	if h, _ = currentRevision(ds, []*appsv1.ControllerRevision{first}); h.create || h.renumber || h.current != first {
		t.Errorf("same template: %+v", h)
	}
	changed := ds.DeepCopy()
	changed.Spec.Template.Spec.Containers[0].Image = "fluentd:3"
	h, _ = currentRevision(changed, []*appsv1.ControllerRevision{first})
	if !h.create || h.current.Revision != 2 || h.current.Name == first.Name {
		t.Fatalf("new template: %+v", h)
	}
	second := h.current
	// An undo puts the first template back: its revision becomes the 3rd.
	h, _ = currentRevision(ds, []*appsv1.ControllerRevision{first, second})
	if h.create || !h.renumber || h.current.Name != first.Name || h.current.Revision != 3 {
		t.Errorf("undo: %+v", h)
	}
	tmpl, err := revisions.Template(second)
	if err != nil || tmpl.Spec.Containers[0].Image != "fluentd:3" {
		t.Errorf("revision data: %v %v", tmpl, err)
	}
}

// TestCurrentRevisionByData follows ControllerRevision's conformance
// test: a client copies the current revision's data into a revision of
// another name and the next number, and deletes the original; that copy
// is then current (nothing is recreated), and the next template change
// makes one new revision numbered after it.
func TestCurrentRevisionByData(t *testing.T) {
	ds := daemonSet()
	h, _ := currentRevision(ds, nil)
	first := h.current
	copied := first.DeepCopy()
	copied.Name, copied.Revision = "fluentd-54dfdf865d", 2
	copied.Labels[appsv1.ControllerRevisionHashLabelKey] = "54dfdf865d"
	// Both hold the template: the newer is current, nothing is created.
	if h, _ = currentRevision(ds, []*appsv1.ControllerRevision{first, copied}); h.create || h.renumber || h.current != copied {
		t.Errorf("with the copy: %+v", h)
	}
	// The original deleted, the copy alone is current.
	if h, _ = currentRevision(ds, []*appsv1.ControllerRevision{copied}); h.create || h.renumber || h.current != copied {
		t.Errorf("the copy alone: %+v", h)
	}
	changed := ds.DeepCopy()
	changed.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
	h, _ = currentRevision(changed, []*appsv1.ControllerRevision{copied})
	if !h.create || h.current.Revision != 3 || h.current.Name == copied.Name || h.current.Labels["name"] != "fluentd" {
		t.Errorf("the template changed: %+v", h)
	}
	if got := prunable([]*appsv1.ControllerRevision{copied, h.current}, 10, h.current.Name, nil); len(got) != 0 {
		t.Errorf("within the history limit nothing is pruned: %v", got)
	}
}

func TestPrunable(t *testing.T) {
	rev := func(name string, n int64) *appsv1.ControllerRevision {
		return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name,
			Labels: map[string]string{appsv1.ControllerRevisionHashLabelKey: name}}, Revision: n}
	}
	revs := []*appsv1.ControllerRevision{rev("r4", 4), rev("r1", 1), rev("r2", 2), rev("r3", 3), rev("r5", 5)}
	inUse := pod("p", "n1", func(p *corev1.Pod) { p.Labels[appsv1.ControllerRevisionHashLabelKey] = "r1" })
	got := prunable(revs, 1, "r5", []*corev1.Pod{inUse})
	var gotNames []string
	for _, r := range got {
		gotNames = append(gotNames, r.Name)
	}
	if !reflect.DeepEqual(gotNames, []string{"r2", "r3"}) {
		t.Errorf("prunable %v, want r2 r3 (r1 in use, r5 current, r4 kept by the limit)", gotNames)
	}
}
