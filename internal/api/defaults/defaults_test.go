package defaults

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestImagePullPolicyFollowsTheTag(t *testing.T) {
	for image, want := range map[string]corev1.PullPolicy{
		"busybox":                         corev1.PullAlways,
		"busybox:latest":                  corev1.PullAlways,
		"busybox:1.28":                    corev1.PullIfNotPresent,
		"registry:5000/team/app":          corev1.PullAlways,
		"registry:5000/team/app:v2":       corev1.PullIfNotPresent,
		"redis@sha256:0123456789abcdef00": corev1.PullIfNotPresent,
	} {
		if got := imagePullPolicy(image); got != want {
			t.Errorf("%s: %s, want %s", image, got, want)
		}
	}
}

func TestJobDefaults(t *testing.T) {
	cases := []struct {
		name                          string
		in                            batchv1.JobSpec
		completions, parallelism, bol *int32
	}{
		{"neither set", batchv1.JobSpec{}, ptr.To[int32](1), ptr.To[int32](1), ptr.To[int32](6)},
		{"parallelism only: work queue", batchv1.JobSpec{Parallelism: ptr.To[int32](3)}, nil, ptr.To[int32](3), ptr.To[int32](6)},
		{"completions only", batchv1.JobSpec{Completions: ptr.To[int32](4)}, ptr.To[int32](4), ptr.To[int32](1), ptr.To[int32](6)},
		{"per-index backoff", batchv1.JobSpec{BackoffLimitPerIndex: ptr.To[int32](1)}, ptr.To[int32](1), ptr.To[int32](1), ptr.To[int32](2147483647)},
	}
	for _, tc := range cases {
		j := &batchv1.Job{Spec: tc.in}
		Job(j)
		if !eq(j.Spec.Completions, tc.completions) || !eq(j.Spec.Parallelism, tc.parallelism) || !eq(j.Spec.BackoffLimit, tc.bol) {
			t.Errorf("%s: completions %v parallelism %v backoffLimit %v", tc.name, deref(j.Spec.Completions), deref(j.Spec.Parallelism), deref(j.Spec.BackoffLimit))
		}
		if *j.Spec.CompletionMode != batchv1.NonIndexedCompletion || *j.Spec.Suspend || *j.Spec.PodReplacementPolicy != batchv1.TerminatingOrFailed {
			t.Errorf("%s: mode/suspend/replacement defaults wrong: %+v", tc.name, j.Spec)
		}
	}
	withPolicy := &batchv1.Job{Spec: batchv1.JobSpec{PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
		OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}},
	}}}}}
	Job(withPolicy)
	if *withPolicy.Spec.PodReplacementPolicy != batchv1.Failed || withPolicy.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status != corev1.ConditionTrue {
		t.Errorf("podFailurePolicy defaults: %+v", withPolicy.Spec)
	}
}

func TestPodDefaults(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "c", Image: "nginx:1", Ports: []corev1.ContainerPort{{ContainerPort: 80}},
			Resources:     corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}},
		}},
		Volumes: []corev1.Volume{{Name: "scratch"}, {Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}},
	}}
	Pod(p)
	s, c := p.Spec, p.Spec.Containers[0]
	if s.RestartPolicy != corev1.RestartPolicyAlways || s.DNSPolicy != corev1.DNSClusterFirst || *s.TerminationGracePeriodSeconds != 30 || s.SchedulerName != "default-scheduler" || !*s.EnableServiceLinks || s.SecurityContext == nil {
		t.Errorf("pod spec defaults: %+v", s)
	}
	if c.TerminationMessagePath != "/dev/termination-log" || c.TerminationMessagePolicy != corev1.TerminationMessageReadFile || c.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("container defaults: %+v", c)
	}
	if got := c.Resources.Requests[corev1.ResourceMemory]; got.String() != "64Mi" {
		t.Errorf("memory request not copied from the limit: %v", c.Resources.Requests)
	}
	probe := c.LivenessProbe
	if probe.TimeoutSeconds != 1 || probe.PeriodSeconds != 10 || probe.SuccessThreshold != 1 || probe.FailureThreshold != 3 || probe.HTTPGet.Path != "/" || probe.HTTPGet.Scheme != corev1.URISchemeHTTP {
		t.Errorf("probe defaults: %+v", probe)
	}
	if s.Volumes[0].EmptyDir == nil || *s.Volumes[1].ConfigMap.DefaultMode != 0o644 {
		t.Errorf("volume defaults: %+v", s.Volumes)
	}
}

func TestStatefulSetDefaults(t *testing.T) {
	ss := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{}}}
	ss.Spec.Template.Labels = map[string]string{"app": "db"}
	StatefulSet(ss)
	s := ss.Spec
	if *s.Replicas != 1 || s.PodManagementPolicy != appsv1.OrderedReadyPodManagement || s.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType ||
		*s.UpdateStrategy.RollingUpdate.Partition != 0 || *s.RevisionHistoryLimit != 10 ||
		s.PersistentVolumeClaimRetentionPolicy.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || ss.Labels["app"] != "db" {
		t.Errorf("statefulset defaults: %+v labels %v", s, ss.Labels)
	}
}

func eq(a, b *int32) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func deref(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestLifecycleHookHTTPGetDefaults: a hook's httpGet gets the path and
// scheme a probe's does, so a preStop httpGet without a scheme is valid
// (the conformance lifecycle-hook tests send none).
func TestLifecycleHookHTTPGetDefaults(t *testing.T) {
	get := func() *corev1.LifecycleHandler {
		return &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080)}}
	}
	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Image: "busybox", Lifecycle: &corev1.Lifecycle{PostStart: get(), PreStop: get()},
	}}}}
	Pod(p)
	for name, h := range map[string]*corev1.LifecycleHandler{"postStart": p.Spec.Containers[0].Lifecycle.PostStart, "preStop": p.Spec.Containers[0].Lifecycle.PreStop} {
		if h.HTTPGet.Scheme != corev1.URISchemeHTTP || h.HTTPGet.Path != "/" {
			t.Errorf("%s httpGet: %+v", name, h.HTTPGet)
		}
	}
}

// TestImageVolumePullPolicyDefaultsAsAContainers: Kubernetes defaults an
// image volume's pullPolicy from its reference's tag, as a container's.
func TestImageVolumePullPolicyDefaultsAsAContainers(t *testing.T) {
	for ref, want := range map[string]corev1.PullPolicy{
		"quay.io/crio/artifact":    corev1.PullAlways,
		"quay.io/crio/artifact:v2": corev1.PullIfNotPresent,
	} {
		spec := corev1.PodSpec{Volumes: []corev1.Volume{
			{Name: "v", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{Reference: ref}}},
			{Name: "never", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{Reference: ref, PullPolicy: corev1.PullNever}}},
		}}
		PodSpec(&spec)
		if got := spec.Volumes[0].Image.PullPolicy; got != want {
			t.Errorf("%s: %s, want %s", ref, got, want)
		}
		if got := spec.Volumes[1].Image.PullPolicy; got != corev1.PullNever {
			t.Errorf("%s: a given pullPolicy became %s", ref, got)
		}
	}
}

func TestDaemonSetDefaults(t *testing.T) {
	ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "fluentd:v1"}}}}}}
	DaemonSet(ds)
	s := ds.Spec
	if s.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || s.UpdateStrategy.RollingUpdate == nil ||
		*s.UpdateStrategy.RollingUpdate.MaxUnavailable != intstr.FromInt32(1) || *s.UpdateStrategy.RollingUpdate.MaxSurge != intstr.FromInt32(0) {
		t.Errorf("strategy %+v", s.UpdateStrategy)
	}
	if *s.RevisionHistoryLimit != 10 || s.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways || ds.Labels != nil {
		t.Errorf("history %d, restartPolicy %q, labels %v", *s.RevisionHistoryLimit, s.Template.Spec.RestartPolicy, ds.Labels)
	}
	onDelete := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}}}
	DaemonSet(onDelete)
	if onDelete.Spec.UpdateStrategy.RollingUpdate != nil {
		t.Errorf("OnDelete got a rollingUpdate")
	}
}

func TestReplicationControllerDefaults(t *testing.T) {
	rc := &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: &corev1.PodTemplateSpec{}}}
	rc.Spec.Template.Labels = map[string]string{"app": "nginx"}
	ReplicationController(rc)
	if rc.Spec.Selector["app"] != "nginx" || rc.Labels["app"] != "nginx" || *rc.Spec.Replicas != 1 ||
		rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("defaulted %+v", rc)
	}
	own := &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Selector: map[string]string{"app": "x"}, Replicas: ptr.To[int32](0),
		Template: &corev1.PodTemplateSpec{}}}
	own.Spec.Template.Labels = map[string]string{"app": "x", "v": "1"}
	ReplicationController(own)
	if len(own.Spec.Selector) != 1 || *own.Spec.Replicas != 0 {
		t.Errorf("a given selector or replicas was changed: %+v", own.Spec)
	}
}
