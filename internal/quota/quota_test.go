package quota

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func podWith(requests, limits corev1.ResourceList) *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "app", Resources: corev1.ResourceRequirements{Requests: requests, Limits: limits}}}}}
}

func TestPodUsage(t *testing.T) {
	running := podWith(rl("cpu", "400m", "memory", "600Mi"), rl("cpu", "800m", "memory", "800Mi"))
	succeeded := running.DeepCopy()
	succeeded.Status.Phase = corev1.PodSucceeded
	stuck := running.DeepCopy()
	stuck.DeletionTimestamp = &metav1.Time{Time: now.Add(-time.Minute)}
	stuck.DeletionGracePeriodSeconds = ptr.To[int64](30)
	terminating := running.DeepCopy()
	terminating.DeletionTimestamp = &metav1.Time{Time: now.Add(-10 * time.Second)}
	terminating.DeletionGracePeriodSeconds = ptr.To[int64](30)
	withInit := running.DeepCopy()
	withInit.Spec.InitContainers = []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{Requests: rl("cpu", "2")}}}
	full := rl("count/pods", "1", "pods", "1", "cpu", "400m", "requests.cpu", "400m", "limits.cpu", "800m",
		"memory", "600Mi", "requests.memory", "600Mi", "limits.memory", "800Mi")
	cases := []struct {
		name string
		pod  *corev1.Pod
		want corev1.ResourceList
	}{
		{name: "running pod", pod: running, want: full},
		{name: "finished pods hold only their count", pod: succeeded, want: rl("count/pods", "1")},
		{name: "a pod stuck past its grace period", pod: stuck, want: rl("count/pods", "1")},
		{name: "a pod within its grace period", pod: terminating, want: full},
		{name: "init containers: the max", pod: withInit, want: rl("count/pods", "1", "pods", "1", "cpu", "2", "requests.cpu", "2", "limits.cpu", "800m",
			"memory", "600Mi", "requests.memory", "600Mi", "limits.memory", "800Mi")},
		{name: "best effort", pod: podWith(nil, nil), want: rl("count/pods", "1", "pods", "1")},
		{name: "hugepages and extended resources", pod: podWith(rl("hugepages-2Mi", "4Mi", "example.com/gpu", "1"), nil),
			want: rl("count/pods", "1", "pods", "1", "hugepages-2Mi", "4Mi", "requests.hugepages-2Mi", "4Mi", "requests.example.com/gpu", "1")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := PodUsage(tc.pod, now); !quota.Equals(got, tc.want) {
				t.Errorf("usage = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPodConstraints(t *testing.T) {
	e := &podEvaluator{}
	required := []corev1.ResourceName{"limits.cpu", "requests.memory", "count/pods", "pods"}
	if err := e.Constraints(required, podWith(rl("memory", "1Gi"), rl("cpu", "1"))); err != nil {
		t.Errorf("a pod stating both: %v", err)
	}
	p := podWith(nil, nil)
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b", Resources: corev1.ResourceRequirements{Limits: rl("cpu", "1")}})
	err := e.Constraints(required, p)
	want := "must specify limits.cpu for: app; requests.memory for: app,b"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestPodScopes(t *testing.T) {
	bestEffort := podWith(nil, nil)
	burstable := podWith(rl("cpu", "100m"), nil)
	deadline := podWith(nil, nil)
	deadline.Spec.ActiveDeadlineSeconds = ptr.To[int64](60)
	high := podWith(nil, nil)
	high.Spec.PriorityClassName = "high"
	exists := func(s corev1.ResourceQuotaScope) corev1.ScopedResourceSelectorRequirement {
		return corev1.ScopedResourceSelectorRequirement{ScopeName: s, Operator: corev1.ScopeSelectorOpExists}
	}
	in := corev1.ScopedResourceSelectorRequirement{ScopeName: "PriorityClass", Operator: corev1.ScopeSelectorOpIn, Values: []string{"high"}}
	cases := []struct {
		scope corev1.ScopedResourceSelectorRequirement
		pod   *corev1.Pod
		want  bool
	}{
		{exists("BestEffort"), bestEffort, true}, {exists("BestEffort"), burstable, false},
		{exists("NotBestEffort"), burstable, true}, {exists("NotBestEffort"), bestEffort, false},
		{exists("Terminating"), deadline, true}, {exists("Terminating"), bestEffort, false},
		{exists("NotTerminating"), bestEffort, true}, {exists("NotTerminating"), deadline, false},
		{in, high, true}, {in, bestEffort, false},
	}
	for i, tc := range cases {
		if got, err := podMatchesScope(tc.scope, tc.pod); err != nil || got != tc.want {
			t.Errorf("%d: %s %s: got %v %v, want %v", i, tc.scope.ScopeName, tc.scope.Operator, got, err, tc.want)
		}
	}
}

func TestServiceUsage(t *testing.T) {
	ports := []corev1.ServicePort{{Port: 80}, {Port: 443}}
	cases := []struct {
		name string
		svc  corev1.ServiceSpec
		want corev1.ResourceList
	}{
		{name: "ClusterIP", svc: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Ports: ports},
			want: rl("count/services", "1", "services", "1", "services.nodeports", "0", "services.loadbalancers", "0")},
		{name: "NodePort", svc: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: ports},
			want: rl("count/services", "1", "services", "1", "services.nodeports", "2", "services.loadbalancers", "0")},
		{name: "LoadBalancer", svc: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: ports},
			want: rl("count/services", "1", "services", "1", "services.nodeports", "2", "services.loadbalancers", "1")},
		{name: "LoadBalancer without node ports", svc: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, AllocateLoadBalancerNodePorts: ptr.To(false),
			Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080}, {Port: 443}}},
			want: rl("count/services", "1", "services", "1", "services.nodeports", "1", "services.loadbalancers", "1")},
	}
	for _, tc := range cases {
		if got := ServiceUsage(&corev1.Service{Spec: tc.svc}); !quota.Equals(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestClaimUsage(t *testing.T) {
	pvc := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("gold"),
		Resources: corev1.VolumeResourceRequirements{Requests: rl("storage", "1Gi")}}}
	want := rl("count/persistentvolumeclaims", "1", "persistentvolumeclaims", "1", "requests.storage", "1Gi",
		"gold.storageclass.storage.k8s.io/persistentvolumeclaims", "1", "gold.storageclass.storage.k8s.io/requests.storage", "1Gi")
	if got := ClaimUsage(pvc); !quota.Equals(got, want) {
		t.Errorf("usage = %v, want %v", got, want)
	}
	pvc.Status.AllocatedResources = rl("storage", "2Gi")
	if got := ClaimUsage(pvc)["requests.storage"]; got.String() != "2Gi" {
		t.Errorf("with 2Gi allocated: %s", got.String())
	}
}

// TestPodUsageReleasedWithoutPods: the usage the controller computes for
// a namespace whose pods are gone is zero for every pod resource the
// quota names, extended resources' requests included (ResourceQuota's
// "capture the life of a pod" conformance test), so the usage admission
// charged is released.
func TestPodUsageReleasedWithoutPods(t *testing.T) {
	var pods []runtime.Object
	list := func(string) ([]runtime.Object, error) { return pods, nil }
	registry := generic.NewRegistry([]quota.Evaluator{&podEvaluator{list: list, clock: clocktesting.NewFakePassiveClock(now)}})
	hard := rl("pods", "5", "cpu", "1", "memory", "500Mi", "ephemeral-storage", "50Gi", "requests.example.com/dongle", "3",
		"requests.hugepages-2Mi", "8Mi", "requests.kubernetes.io/made-up", "1")
	pods = []runtime.Object{podWith(rl("cpu", "500m", "memory", "252Mi", "ephemeral-storage", "30Gi", "example.com/dongle", "2"),
		rl("example.com/dongle", "2"))}
	got, err := quota.CalculateUsage("ns", nil, hard, registry, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := rl("pods", "1", "cpu", "500m", "memory", "252Mi", "ephemeral-storage", "30Gi", "requests.example.com/dongle", "2",
		"requests.hugepages-2Mi", "0")
	if !quota.Equals(got, want) {
		t.Errorf("with the pod: usage = %v, want %v", got, want)
	}
	pods = nil
	got, err = quota.CalculateUsage("ns", nil, hard, registry, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = rl("pods", "0", "cpu", "0", "memory", "0", "ephemeral-storage", "0", "requests.example.com/dongle", "0", "requests.hugepages-2Mi", "0")
	if !quota.Equals(got, want) {
		t.Errorf("without pods: usage = %v, want %v", got, want)
	}
}
