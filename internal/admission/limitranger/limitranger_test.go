package limitranger

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func limitRange(items ...corev1.LimitRangeItem) *corev1.LimitRange {
	return &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: items}}
}

func pod(containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{Containers: containers}}
}

func container(name string, requests, limits corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: name, Resources: corev1.ResourceRequirements{Requests: requests, Limits: limits}}
}

func TestSetDefaults(t *testing.T) {
	lr := limitRange(corev1.LimitRangeItem{Type: corev1.LimitTypeContainer,
		Default: rl("memory", "512Mi", "cpu", "1"), DefaultRequest: rl("memory", "256Mi", "cpu", "500m")})
	p := pod(container("app", nil, nil), container("sidecar", rl("cpu", "100m"), rl("cpu", "200m")))
	p.Spec.InitContainers = []corev1.Container{container("init", nil, rl("memory", "1Gi", "cpu", "1"))}
	SetDefaults(lr, p)
	app := p.Spec.Containers[0].Resources
	if app.Requests.Memory().String() != "256Mi" || app.Limits.Memory().String() != "512Mi" || app.Requests.Cpu().String() != "500m" || app.Limits.Cpu().String() != "1" {
		t.Errorf("app resources = %+v", app)
	}
	side := p.Spec.Containers[1].Resources
	if side.Requests.Cpu().String() != "100m" || side.Limits.Cpu().String() != "200m" || side.Requests.Memory().String() != "256Mi" {
		t.Errorf("sidecar resources = %+v", side)
	}
	want := "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; " +
		"memory request for container sidecar; memory limit for container sidecar; cpu, memory request for init container init"
	if got := p.Annotations[Annotation]; got != want {
		t.Errorf("annotation\n got %q\nwant %q", got, want)
	}
}

func TestSetDefaultsLeavesAFullPodAlone(t *testing.T) {
	lr := limitRange(corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Default: rl("memory", "512Mi"), DefaultRequest: rl("memory", "256Mi")})
	p := pod(container("app", rl("memory", "1Gi"), rl("memory", "1Gi")))
	SetDefaults(lr, p)
	if _, ok := p.Annotations[Annotation]; ok {
		t.Errorf("annotated a pod that set everything: %v", p.Annotations)
	}
}

func TestPodErrors(t *testing.T) {
	cpuBounds := limitRange(corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, Min: rl("cpu", "200m"), Max: rl("cpu", "800m")})
	cases := []struct {
		name string
		lr   *corev1.LimitRange
		pod  *corev1.Pod
		want string
	}{
		{name: "within", lr: cpuBounds, pod: pod(container("a", rl("cpu", "500m"), rl("cpu", "800m")))},
		{name: "limit over max", lr: cpuBounds, pod: pod(container("a", rl("cpu", "500m"), rl("cpu", "1500m"))),
			want: "maximum cpu usage per Container is 800m, but limit is 1500m"},
		{name: "no limit", lr: cpuBounds, pod: pod(container("a", rl("cpu", "500m"), nil)),
			want: "maximum cpu usage per Container is 800m.  No limit is specified"},
		{name: "request under min", lr: cpuBounds, pod: pod(container("a", rl("cpu", "100m"), rl("cpu", "800m"))),
			want: "minimum cpu usage per Container is 200m, but request is 100m"},
		{name: "no request", lr: cpuBounds, pod: pod(container("a", nil, rl("cpu", "800m"))),
			want: "minimum cpu usage per Container is 200m.  No request is specified"},
		{name: "ratio", lr: limitRange(corev1.LimitRangeItem{Type: corev1.LimitTypeContainer, MaxLimitRequestRatio: rl("memory", "2")}),
			pod:  pod(container("a", rl("memory", "100Mi"), rl("memory", "300Mi"))),
			want: "memory max limit to request ratio per Container is 2, but provided ratio is 3.000000"},
		{name: "pod sum over max", lr: limitRange(corev1.LimitRangeItem{Type: corev1.LimitTypePod, Max: rl("memory", "1Gi")}),
			pod:  pod(container("a", nil, rl("memory", "600Mi")), container("b", nil, rl("memory", "600Mi"))),
			want: "maximum memory usage per Pod is 1Gi, but limit is 1200Mi"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := utilerrors.NewAggregate(PodErrors(tc.lr, tc.pod))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestClaimErrors(t *testing.T) {
	lr := limitRange(corev1.LimitRangeItem{Type: corev1.LimitTypePersistentVolumeClaim, Min: rl("storage", "1Gi"), Max: rl("storage", "2Gi")})
	claim := func(size string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{Requests: rl("storage", size)}}}
	}
	if errs := ClaimErrors(lr, claim("1Gi")); len(errs) != 0 {
		t.Errorf("1Gi: %v", errs)
	}
	if errs := ClaimErrors(lr, claim("5Gi")); len(errs) != 1 || errs[0].Error() != "maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi" {
		t.Errorf("5Gi: %v", errs)
	}
	if errs := ClaimErrors(lr, claim("500Mi")); len(errs) != 1 || errs[0].Error() != "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi" {
		t.Errorf("500Mi: %v", errs)
	}
}
