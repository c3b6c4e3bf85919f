package scheduler

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

func priority(v int32) podOpt { return func(p *corev1.Pod) { p.Spec.Priority = ptr.To(v) } }

func never(p *corev1.Pod) { p.Spec.PreemptionPolicy = ptr.To(corev1.PreemptNever) }

func terminating(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: anchor} }

func nominated(n string) podOpt { return func(p *corev1.Pod) { p.Status.NominatedNodeName = n } }

func budgetFor(app string, allowed int32) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: "default"},
		Spec:   policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
		Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed}}
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

func TestPickPreemption(t *testing.T) {
	small := allocatable("2", "4Gi", 110)
	onA, onB := onNode("a"), onNode("b")
	for _, tc := range []struct {
		name        string
		pod         *corev1.Pod
		nodes       []*corev1.Node
		placed      []*corev1.Pod
		pdbs        []*policyv1.PodDisruptionBudget
		wantNode    string // "" for no preemption
		wantVictims []string
	}{
		{name: "the lowest pod that frees enough goes",
			pod:   pod("high", priority(100), requesting("1", "1Gi")),
			nodes: []*corev1.Node{node("a", small)},
			placed: []*corev1.Pod{pod("low", onA, priority(1), requesting("1", "1Gi")),
				pod("lower", onA, priority(0), requesting("1", "1Gi"))},
			wantNode: "a", wantVictims: []string{"lower"}},
		{name: "equal and higher priorities are not victims",
			pod:      pod("mid", priority(10), requesting("2", "1Gi")),
			nodes:    []*corev1.Node{node("a", small)},
			placed:   []*corev1.Pod{pod("same", onA, priority(10), requesting("1", "1Gi")), pod("low", onA, priority(1), requesting("1", "1Gi"))},
			wantNode: ""},
		{name: "preemptionPolicy Never does not preempt",
			pod:      pod("high", priority(100), never, requesting("1", "1Gi")),
			nodes:    []*corev1.Node{node("a", small)},
			placed:   []*corev1.Pod{pod("low", onA, priority(1), requesting("2", "1Gi"))},
			wantNode: ""},
		{name: "a cordoned node is not a candidate",
			pod:      pod("high", priority(100), requesting("1", "1Gi")),
			nodes:    []*corev1.Node{node("a", small, cordoned)},
			placed:   []*corev1.Pod{pod("low", onA, priority(1), requesting("2", "1Gi"))},
			wantNode: ""},
		{name: "the node with the lower victims wins",
			pod:   pod("high", priority(100), requesting("2", "1Gi")),
			nodes: []*corev1.Node{node("a", small), node("b", small)},
			placed: []*corev1.Pod{pod("a-mid", onA, priority(50), requesting("2", "1Gi")),
				pod("b-low1", onB, priority(1), requesting("1", "1Gi")), pod("b-low2", onB, priority(2), requesting("1", "1Gi"))},
			wantNode: "b", wantVictims: []string{"b-low1", "b-low2"}},
		{name: "fewer budget violations beat lower priorities",
			pod:      pod("high", priority(100), requesting("2", "1Gi")),
			nodes:    []*corev1.Node{node("a", small), node("b", small)},
			placed:   []*corev1.Pod{pod("a-guarded", onA, priority(1), label("app", "db"), requesting("2", "1Gi")), pod("b-mid", onB, priority(50), requesting("2", "1Gi"))},
			pdbs:     []*policyv1.PodDisruptionBudget{budgetFor("db", 0)},
			wantNode: "b", wantVictims: []string{"b-mid"}},
		{name: "a budget that allows the disruption is no violation",
			pod:      pod("high", priority(100), requesting("2", "1Gi")),
			nodes:    []*corev1.Node{node("a", small), node("b", small)},
			placed:   []*corev1.Pod{pod("a-guarded", onA, priority(1), label("app", "db"), requesting("2", "1Gi")), pod("b-mid", onB, priority(50), requesting("2", "1Gi"))},
			pdbs:     []*policyv1.PodDisruptionBudget{budgetFor("db", 1)},
			wantNode: "a", wantVictims: []string{"a-guarded"}},
		{name: "a pod nominated where a victim is still terminating waits",
			pod:      pod("high", priority(100), nominated("a"), requesting("2", "1Gi")),
			nodes:    []*corev1.Node{node("a", small)},
			placed:   []*corev1.Pod{pod("going", onA, priority(1), terminating, requesting("2", "1Gi"))},
			wantNode: ""},
		{name: "extended resources: the low-priority pod goes, the medium one stays",
			// SchedulerPreemption's basic test: 5 foo, a low and a medium
			// pod holding 2 each, a high pod asking 2.
			pod:   pod("high", priority(1000), asking(foo, "2")),
			nodes: []*corev1.Node{node("a", small, offering(foo, "5"))},
			placed: []*corev1.Pod{pod("low", onA, priority(1), asking(foo, "2")),
				pod("medium", onA, priority(100), asking(foo, "2"))},
			wantNode: "a", wantVictims: []string{"low"}},
		{name: "extended resources: as few victims as free enough",
			// PreemptionExecutionPath: 1000 fakecpu held 200/300/450 by
			// priorities 1/2/3; a priority-4 pod asking 500 takes the
			// room of the two lowest.
			pod:   pod("p4", priority(4), asking(foo, "500")),
			nodes: []*corev1.Node{node("a", small, offering(foo, "1000"))},
			placed: []*corev1.Pod{pod("p1", onA, priority(1), asking(foo, "200")),
				pod("p2", onA, priority(2), asking(foo, "300")), pod("p3", onA, priority(3), asking(foo, "450"))},
			wantNode: "a", wantVictims: []string{"p1", "p2"}},
		{name: "extended resources: no node offers enough even empty",
			pod:      pod("high", priority(1000), asking(foo, "6")),
			nodes:    []*corev1.Node{node("a", small, offering(foo, "5"))},
			placed:   []*corev1.Pod{pod("low", onA, priority(1), asking(foo, "2"))},
			wantNode: ""},
		{name: "host ports are freed by preemption",
			pod:      pod("high", priority(100), hostPort(8080)),
			nodes:    []*corev1.Node{node("a", small)},
			placed:   []*corev1.Pod{pod("holder", onA, priority(1), hostPort(8080)), pod("other", onA, priority(1))},
			wantNode: "a", wantVictims: []string{"holder"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			placed := map[string][]*corev1.Pod{}
			for _, p := range tc.placed {
				placed[p.Spec.NodeName] = append(placed[p.Spec.NodeName], p)
			}
			if n, _ := pickNode(tc.pod, tc.nodes, placed, podVolumes{}); n != "" {
				t.Fatalf("the pod fits %s without preemption", n)
			}
			got := pickPreemption(tc.pod, tc.nodes, placed, tc.pdbs)
			if tc.wantNode == "" {
				if got != nil {
					t.Fatalf("preempted %v on %s", names(got.victims), got.node)
				}
				return
			}
			if got == nil || got.node != tc.wantNode || !slices.Equal(names(got.victims), tc.wantVictims) {
				t.Fatalf("got %+v, want %v on %s", got, tc.wantVictims, tc.wantNode)
			}
		})
	}
}

func hostPort(port int32) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP})
	}
}

// TestSyncPreempts: a pending high-priority pod that fits nowhere gets the
// lower-priority pod deleted with the DisruptionTarget condition and a
// Preempted event, and is nominated to the node; it is not bound yet.
func TestSyncPreempts(t *testing.T) {
	n := node("a", allocatable("2", "4Gi", 110))
	low := pod("low", onNode("a"), priority(1), phase(corev1.PodRunning), requesting("2", "1Gi"))
	high := pod("high", priority(100), requesting("2", "1Gi"))
	f := newFixture(t, n, low, high)
	f.sync(t, "default/high")
	if b := f.bindings(); len(b) != 0 {
		t.Fatalf("bound %v before the victim left", b)
	}
	var deleted []string
	var victimCondition, nominatedTo string
	for _, a := range f.client.Actions() {
		switch {
		case a.GetVerb() == "delete":
			deleted = append(deleted, a.(clienttesting.DeleteAction).GetName())
		case a.GetVerb() == "update" && a.GetSubresource() == "status":
			p := a.(clienttesting.UpdateAction).GetObject().(*corev1.Pod)
			for _, c := range p.Status.Conditions {
				if p.Name == "low" && c.Type == corev1.DisruptionTarget {
					victimCondition = c.Reason
				}
			}
			if p.Name == "high" {
				nominatedTo = p.Status.NominatedNodeName
			}
		}
	}
	if !slices.Equal(deleted, []string{"low"}) || victimCondition != "PreemptionByScheduler" || nominatedTo != "a" {
		t.Fatalf("deleted %v, victim condition %q, nominated %q", deleted, victimCondition, nominatedTo)
	}
	evs := f.events()
	if !slices.ContainsFunc(evs, func(e string) bool { return e == "Normal Preempted Preempted by pod uid-high on node a" }) {
		t.Errorf("events %q", evs)
	}
}

// TestNominatedKeepRoom: the room a preemption made on a node is kept for
// the preemptor. A lower-priority pod (the preempted ReplicaSet's
// replacement) neither takes it nor preempts for it; the preemptor itself
// and pods of higher priority do not count it against themselves.
func TestNominatedKeepRoom(t *testing.T) {
	n := node("a", allocatable("2", "4Gi", 110), offering(foo, "1000"))
	placed := map[string][]*corev1.Pod{"a": {pod("p3", onNode("a"), priority(3), asking(foo, "450"))}}
	p4 := pod("p4", priority(4), nominated("a"), asking(foo, "500"))
	pending := []*corev1.Pod{p4}

	replacement := pod("p1-new", priority(1), asking(foo, "200"))
	if got, _ := pickNode(replacement, []*corev1.Node{n}, withNominated(replacement, placed, pending), podVolumes{}); got != "" {
		t.Errorf("a lower-priority pod took the nominated room on %s", got)
	}
	if got := pickPreemption(replacement, []*corev1.Node{n}, withNominated(replacement, placed, pending), nil); got != nil {
		t.Errorf("a lower-priority pod preempted %v", names(got.victims))
	}
	if got, _ := pickNode(p4, []*corev1.Node{n}, withNominated(p4, placed, pending), podVolumes{}); got != "a" {
		t.Errorf("the preemptor does not fit its own room: %q", got)
	}
	higher := pod("p5", priority(5), asking(foo, "500"))
	if got, _ := pickNode(higher, []*corev1.Node{n}, withNominated(higher, placed, pending), podVolumes{}); got != "a" {
		t.Errorf("a higher-priority pod must not count a lower nomination: %q", got)
	}
	if len(placed["a"]) != 1 {
		t.Errorf("withNominated changed placed: %v", names(placed["a"]))
	}
}

// TestNominationKeptBeforeTheInformerShowsIt: the room is kept from the
// moment the preemption is decided, not from when the informer shows the
// preemptor's status.nominatedNodeName (or when a conflicting status write
// is retried): a replacement scheduled in between must not take it, which
// made a ReplicaSet's pod be preempted twice (conformance "runs
// ReplicaSets to verify preemption running path").
func TestNominationKeptBeforeTheInformerShowsIt(t *testing.T) {
	n := node("a", allocatable("2", "4Gi", 110), offering(foo, "1000"))
	placed := map[string][]*corev1.Pod{"a": {pod("p3", onNode("a"), priority(3), asking(foo, "450"))}}
	p4 := pod("p4", priority(4), asking(foo, "500")) // as the informer shows it: not nominated yet
	replacement := pod("p2-new", priority(2), asking(foo, "300"))

	s := newState()
	if got, _ := pickNode(replacement, []*corev1.Node{n}, withNominated(replacement, placed, s.withNominations([]*corev1.Pod{p4})), podVolumes{}); got != "a" {
		t.Fatalf("without a nomination the replacement fits: got %q", got)
	}
	s.nominate("default/p4", p4, "a")
	pending := s.withNominations([]*corev1.Pod{p4})
	if got, _ := pickNode(replacement, []*corev1.Node{n}, withNominated(replacement, placed, pending), podVolumes{}); got != "" {
		t.Errorf("the replacement took the room nominated in memory, on %s", got)
	}
	if p4.Status.NominatedNodeName != "" {
		t.Error("withNominations changed the informer's pod")
	}
	if view := s.withNominations([]*corev1.Pod{p4})[0]; view.Status.NominatedNodeName != "a" {
		t.Errorf("the preemptor's own view: nominated %q", view.Status.NominatedNodeName)
	}
	s.forget("default/p4")
	if got := s.withNominations([]*corev1.Pod{p4})[0]; got.Status.NominatedNodeName != "" {
		t.Error("a bound or deleted preemptor's nomination is kept")
	}
}
