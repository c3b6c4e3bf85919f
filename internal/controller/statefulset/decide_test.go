package statefulset

import (
	"fmt"
	"strings"
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

func testSet(replicas int32, opts ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default", Generation: 2},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To(replicas), PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			ServiceName:    "db",
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func parallel(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement }
func onDelete(s *appsv1.StatefulSet) {
	s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType
}
func partition(n int32) func(*appsv1.StatefulSet) {
	return func(s *appsv1.StatefulSet) {
		if s.Spec.UpdateStrategy.RollingUpdate == nil {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
		s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To(n)
	}
}

// maxUnavailable keeps any partition already set.
func maxUnavailable(v string) func(*appsv1.StatefulSet) {
	return func(s *appsv1.StatefulSet) {
		if s.Spec.UpdateStrategy.RollingUpdate == nil {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
		mu := intstr.Parse(v)
		s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &mu
	}
}

// pods builds members from a compact description per ordinal: "r" Running
// and Ready, "p" Pending, "f" Failed, "t" terminating; a suffix ":old"
// puts the pod at revision "old", else "new".
func pods(set *appsv1.StatefulSet, desc ...string) map[int]*corev1.Pod {
	out := map[int]*corev1.Pod{}
	for ord, d := range desc {
		if d == "-" {
			continue
		}
		state, rev, _ := strings.Cut(d, ":")
		if rev == "" {
			rev = "new"
		}
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: podName(set, ord), Labels: map[string]string{revisionLabel: rev}}}
		switch state {
		case "r", "t":
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(anchor.Add(-time.Minute))}}
			if state == "t" {
				p.DeletionTimestamp = &metav1.Time{Time: anchor}
			}
		case "p":
			p.Status.Phase = corev1.PodPending
		case "f":
			p.Status.Phase = corev1.PodFailed
		}
		out[ord] = p
	}
	return out
}

func describe(acts []action) string {
	var out []string
	for _, a := range acts {
		if a.kind == createPod {
			out = append(out, fmt.Sprintf("create %d@%s", a.ordinal, a.revision))
		} else {
			out = append(out, fmt.Sprintf("delete %d", a.ordinal))
		}
	}
	return strings.Join(out, ", ")
}

func TestPlan(t *testing.T) {
	cases := []struct {
		name string
		set  *appsv1.StatefulSet
		pods []string
		want string
	}{
		{"first pod", testSet(3), nil, "create 0@new"},
		{"ordered: waits for 0 to be ready", testSet(3), []string{"p"}, ""},
		{"ordered: next after 0 is ready", testSet(3), []string{"r"}, "create 1@new"},
		{"ordered: a gap is filled first", testSet(3), []string{"r", "-", "r"}, "create 1@new"},
		{"parallel: all at once", testSet(3, parallel), nil, "create 0@new, create 1@new, create 2@new"},
		{"parallel: despite a pending pod", testSet(3, parallel), []string{"p"}, "create 1@new, create 2@new"},
		{"failed pod replaced", testSet(2), []string{"r", "f"}, "delete 1"},
		{"terminating pod waited for", testSet(2), []string{"t", "r"}, ""},
		{"scale down: highest first, one at a time", testSet(1), []string{"r", "r", "r"}, "delete 2"},
		{"scale down waits for the terminating one", testSet(1), []string{"r", "r", "t"}, ""},
		{"scale down waits for unready replicas", testSet(1), []string{"p", "r"}, ""},
		{"scale down halts while a lower condemned pod is unready", testSet(0), []string{"p", "p", "p"}, ""},
		{"scale down halts on an unready pod above the lowest", testSet(1), []string{"r", "r", "p", "p"}, ""},
		{"scale down deletes the lowest unready condemned pod", testSet(1), []string{"r", "p"}, "delete 1"},
		{"scale down of a ready pod above an unready one", testSet(1), []string{"r", "r", "p", "r"}, "delete 3"},
		{"parallel scale down: all at once", testSet(1, parallel), []string{"r", "r", "r"}, "delete 2, delete 1"},
		{"rolling update: highest first", testSet(3), []string{"r:old", "r:old", "r:old"}, "delete 2"},
		{"rolling update: next after the updated one is ready", testSet(3), []string{"r:old", "r:old", "r"}, "delete 1"},
		{"rolling update: waits for the updated pod", testSet(3), []string{"r:old", "r:old", "p"}, ""},
		{"rolling update: partition keeps the low ordinals", testSet(3, partition(2)), []string{"r:old", "r:old", "r"}, ""},
		{"partition: a new low pod gets the current revision", testSet(3, partition(2)), []string{"-", "r:old", "r"}, "create 0@old"},
		{"on delete: nothing updated", testSet(3, onDelete), []string{"r:old", "r:old", "r:old"}, ""},
		{"on delete: a deleted pod comes back new", testSet(3, onDelete), []string{"r:old", "-", "r:old"}, "create 1@new"},
		{"broken outdated pod waited for, as in Kubernetes", testSet(3), []string{"r", "p:old"}, ""},
		{"broken updated pod waited for", testSet(3), []string{"r", "p"}, ""},
		{"broken pod below the partition waited for", testSet(3, partition(2)), []string{"p:old"}, ""},
		{"maxUnavailable 2: two at once, highest first", testSet(4, maxUnavailable("2")), []string{"r:old", "r:old", "r:old", "r:old"}, "delete 3, delete 2"},
		{"maxUnavailable 2, ordered: a batch is Ready before the next", testSet(4, maxUnavailable("2")), []string{"r:old", "r:old", "r:old", "p"}, ""},
		{"maxUnavailable 2, parallel: one more while one is updating", testSet(4, maxUnavailable("2"), parallel), []string{"r:old", "r:old", "r:old", "p"}, "delete 2"},
		{"maxUnavailable 2: an unready pod below the partition counts", testSet(4, maxUnavailable("2"), partition(1), parallel), []string{"p:old", "r:old", "r:old", "p"}, ""},
		{"maxUnavailable 50% of 3 rounds up to 2", testSet(3, maxUnavailable("50%")), []string{"r:old", "r:old", "r:old"}, "delete 2, delete 1"},
		{"maxUnavailable 3 keeps the partition", testSet(4, maxUnavailable("3"), partition(2)), []string{"r:old", "r:old", "r:old", "r:old"}, "delete 3, delete 2"},
		{"maxUnavailable skips terminating pods", testSet(3, maxUnavailable("2"), parallel), []string{"r:old", "r:old", "t:old"}, "delete 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newView(c.set, pods(c.set, c.pods...), "old", "new", anchor)
			if got := describe(plan(v)); got != c.want {
				t.Errorf("plan: %q, want %q", got, c.want)
			}
		})
	}
}

func TestPlanHonoursOrdinalsStart(t *testing.T) {
	set := testSet(2, func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 5} })
	p := pods(set, "r", "-", "-", "-", "-", "r") // ordinal 0 is outside [5, 7)
	got := describe(plan(newView(set, p, "new", "new", anchor)))
	if got != "create 6@new" {
		t.Errorf("plan %q, want create 6 (5 exists, 0 is condemned after)", got)
	}
}

func TestComputeStatus(t *testing.T) {
	set := testSet(3, func(s *appsv1.StatefulSet) { s.Spec.MinReadySeconds = 120 })
	v := newView(set, pods(set, "r:old", "r", "p"), "old", "new", anchor)
	st, next := computeStatus(v)
	if st.Replicas != 3 || st.ReadyReplicas != 2 || st.CurrentReplicas != 1 || st.UpdatedReplicas != 2 || st.AvailableReplicas != 0 {
		t.Errorf("status %+v", st)
	}
	if st.CurrentRevision != "old" || st.UpdateRevision != "new" || st.ObservedGeneration != 2 {
		t.Errorf("revisions %q→%q, generation %d", st.CurrentRevision, st.UpdateRevision, st.ObservedGeneration)
	}
	if next == nil || *next != 61*time.Second {
		t.Errorf("look again after %v, want 61s", next)
	}
	done := newView(set, pods(set, "r", "r", "r"), "old", "new", anchor)
	if st, _ := computeStatus(done); st.CurrentRevision != "new" || st.CurrentReplicas != 3 {
		t.Errorf("a finished rolling update keeps current revision %q (%d current)", st.CurrentRevision, st.CurrentReplicas)
	}
}

func TestIdentity(t *testing.T) {
	set := testSet(2)
	set.Spec.Template.Labels = map[string]string{"app": "db"}
	set.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
	set.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: map[string]string{"tier": "db"}}}}
	set.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	p := newPod(set, &set.Spec.Template, "db-abc", 1)
	if p.Name != "db-1" || p.Spec.Hostname != "db-1" || p.Spec.Subdomain != "db" {
		t.Errorf("pod %s hostname %s subdomain %s", p.Name, p.Spec.Hostname, p.Spec.Subdomain)
	}
	if p.Labels[podNameLabel] != "db-1" || p.Labels[podIndexLabel] != "1" || p.Labels[revisionLabel] != "db-abc" || p.Labels["app"] != "db" {
		t.Errorf("labels %v", p.Labels)
	}
	if len(p.Spec.Volumes) != 1 || p.Spec.Volumes[0].PersistentVolumeClaim == nil || p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-db-1" {
		t.Errorf("volumes %+v: the claim must replace the template's volume of the same name", p.Spec.Volumes)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.Kind != "StatefulSet" || ref.Name != "db" {
		t.Errorf("owner %+v", ref)
	}
	c := newClaim(set, &set.Spec.VolumeClaimTemplates[0], 1)
	if c.Name != "data-db-1" || c.Labels["tier"] != "db" || c.Labels["app"] != "db" || len(c.OwnerReferences) != 0 {
		t.Errorf("claim %s labels %v owners %v", c.Name, c.Labels, c.OwnerReferences)
	}
	set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType}
	if c := newClaim(set, &set.Spec.VolumeClaimTemplates[0], 1); len(c.OwnerReferences) != 1 {
		t.Error("whenDeleted: Delete must give the claim an owner reference to the set")
	}
	if ordinalOf(set, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-01"}}) != -1 || ordinalOf(set, p) != 1 ||
		ordinalOf(set, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "dbx-1"}}) != -1 {
		t.Error("ordinal parsing")
	}
	if claimOrdinal(set, "data-db-7") != 7 || claimOrdinal(set, "logs-db-7") != -1 {
		t.Error("claim ordinal parsing")
	}
}

func TestRevisionDataRoundTripsAndPrunes(t *testing.T) {
	set := testSet(1)
	set.Spec.Template.Labels = map[string]string{"app": "db"}
	set.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c", Image: "postgres"}}
	data, err := revisions.Data(&set.Spec.Template)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"$patch":"replace"`) || !strings.HasPrefix(string(data), `{"spec":{"template":`) {
		t.Errorf("data %s is not Kubernetes' patch shape", data)
	}
	r := newRevision(set, data, 3)
	back, err := revisions.Template(r)
	if err != nil || !sameTemplate(back, &set.Spec.Template) {
		t.Errorf("template did not round-trip: %v %+v", err, back)
	}
	if revisionName(set, data) != r.Name || !strings.HasPrefix(r.Name, "db-") || r.Labels["app"] != "db" {
		t.Errorf("revision %s labels %v", r.Name, r.Labels)
	}
	set.Status.CollisionCount = ptr.To[int32](1)
	if revisionName(set, data) == r.Name {
		t.Error("a collision count must change the name")
	}
	var revs []*appsv1.ControllerRevision
	for i := 1; i <= 5; i++ {
		revs = append(revs, &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("r", i)}, Revision: int64(i)})
	}
	got := prunable(revs, 2, map[string]bool{"r1": true, "r5": true})
	if len(got) != 1 || got[0].Name != "r2" {
		t.Errorf("prunable %v, want r2 (r1 and r5 in use, keep 2 of r2-r4)", got)
	}
}
