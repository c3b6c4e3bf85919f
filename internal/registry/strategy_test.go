package registry

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

func testConfig() Config {
	return Config{Scheme: runtime.NewScheme()}
}

func jobResource() *Resource { return resourceOfKind(batchGroup().Kinds, "Job") }

func resourceOfKind(rs []*Resource, kind string) *Resource {
	for _, r := range rs {
		if r.Kind == kind {
			return r
		}
	}
	panic("no " + kind + " resource")
}

func TestMainEndpointKeepsStatusAndBumpsGenerationOnSpecChange(t *testing.T) {
	s := newStrategy(jobResource(), testConfig(), false)
	old := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Generation: 3}, Status: batchv1.JobStatus{Succeeded: 2}}
	upd := old.DeepCopy()
	upd.Status.Succeeded = 99
	upd.Spec.Parallelism = ptr.To[int32](5)
	s.PrepareForUpdate(context.Background(), upd, old)
	if upd.Status.Succeeded != 2 {
		t.Errorf("status changed through the main endpoint: %d", upd.Status.Succeeded)
	}
	if upd.Generation != 4 {
		t.Errorf("generation %d, want 4 after a spec change", upd.Generation)
	}
	same := old.DeepCopy()
	same.Labels = map[string]string{"a": "b"}
	s.PrepareForUpdate(context.Background(), same, old)
	if same.Generation != 3 {
		t.Errorf("generation bumped by a metadata-only change: %d", same.Generation)
	}
}

func TestStatusEndpointKeepsSpec(t *testing.T) {
	s := newStrategy(jobResource(), testConfig(), true)
	old := &batchv1.Job{Spec: batchv1.JobSpec{Parallelism: ptr.To[int32](1)}}
	upd := old.DeepCopy()
	upd.Spec.Parallelism = ptr.To[int32](7)
	upd.Status.Active = 1
	s.PrepareForUpdate(context.Background(), upd, old)
	if *upd.Spec.Parallelism != 1 || upd.Status.Active != 1 {
		t.Errorf("status endpoint: spec %v status %+v", *upd.Spec.Parallelism, upd.Status)
	}
	if upd.Spec.Parallelism == old.Spec.Parallelism {
		t.Error("spec pointer shared with the old object")
	}
}

func TestCreateClearsStatusAndGeneratesJobSelector(t *testing.T) {
	s := newStrategy(jobResource(), testConfig(), false)
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "pi", UID: "u-1"}, Status: batchv1.JobStatus{Succeeded: 5}}
	s.PrepareForCreate(context.Background(), j)
	if j.Status.Succeeded != 0 || j.Generation != 1 {
		t.Errorf("status %+v generation %d", j.Status, j.Generation)
	}
	l := j.Spec.Template.Labels
	if l[LabelControllerUID] != "u-1" || l[LabelJobName] != "pi" || l[LabelLegacyJobName] != "pi" || l[LabelLegacyControllerUID] != "u-1" {
		t.Errorf("template labels %v", l)
	}
	if j.Spec.Selector.MatchLabels[LabelControllerUID] != "u-1" {
		t.Errorf("selector %v", j.Spec.Selector)
	}
	manual := &batchv1.Job{Spec: batchv1.JobSpec{ManualSelector: ptr.To(true)}}
	s.PrepareForCreate(context.Background(), manual)
	if manual.Spec.Selector != nil || manual.Spec.Template.Labels != nil {
		t.Errorf("manualSelector job was given a selector: %+v", manual.Spec)
	}
}

func TestPodGracePeriod(t *testing.T) {
	running := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n", TerminationGracePeriodSeconds: ptr.To[int64](45)}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	cases := []struct {
		name string
		pod  *corev1.Pod
		opt  *int64
		want int64
	}{
		{"pod's own period", running, nil, 45},
		{"client's period wins", running, ptr.To[int64](5), 5},
		{"never scheduled: at once", &corev1.Pod{Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](45)}}, nil, 0},
		{"finished: at once", &corev1.Pod{Spec: running.Spec, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, nil, 0},
	}
	for _, tc := range cases {
		opts := &metav1.DeleteOptions{GracePeriodSeconds: tc.opt}
		if !podGracePeriod(tc.pod, opts) || *opts.GracePeriodSeconds != tc.want {
			t.Errorf("%s: grace %d, want %d", tc.name, *opts.GracePeriodSeconds, tc.want)
		}
	}
}

func TestQOSClass(t *testing.T) {
	both := func(req, lim string) corev1.Container {
		c := corev1.Container{Resources: corev1.ResourceRequirements{}}
		if lim != "" {
			c.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(lim), corev1.ResourceMemory: resource.MustParse(lim + "Mi")}
		}
		if req != "" {
			c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(req), corev1.ResourceMemory: resource.MustParse(req + "Mi")}
		}
		return c
	}
	for name, tc := range map[string]struct {
		c    corev1.Container
		want corev1.PodQOSClass
	}{
		"nothing":           {corev1.Container{}, corev1.PodQOSBestEffort},
		"requests = limits": {both("1", "1"), corev1.PodQOSGuaranteed},
		"requests < limits": {both("1", "2"), corev1.PodQOSBurstable},
		"requests only":     {both("1", ""), corev1.PodQOSBurstable},
	} {
		if got := qosClass(&corev1.PodSpec{Containers: []corev1.Container{tc.c}}); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}

func TestBindingSetsNodeOnceAndMarksScheduled(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}
	bound, err := bindPod(pod, "node-a")
	if err != nil || bound.Spec.NodeName != "node-a" || bound.Status.Conditions[0].Type != corev1.PodScheduled {
		t.Fatalf("bind: %v %+v", err, bound)
	}
	if _, err := bindPod(bound, "node-b"); err == nil {
		t.Fatal("a bound pod was bound again")
	}
}
