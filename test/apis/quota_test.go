package apis

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The Kubernetes docs' "Configure Default Memory Requests and Limits for a
// Namespace": a pod without limits gets the LimitRange's defaults.
const memLimitRange = `apiVersion: v1
kind: LimitRange
metadata:
  name: mem-limit-range
spec:
  limits:
  - default:
      memory: 512Mi
    defaultRequest:
      memory: 256Mi
    type: Container
`

const defaultMemDemo = `apiVersion: v1
kind: Pod
metadata:
  name: default-mem-demo
spec:
  containers:
  - name: default-mem-demo-ctr
    image: busybox
    command: ["sleep", "3600"]
`

func TestLimitRangeDefaultsMemory(t *testing.T) {
	t.Parallel()
	ns, c, cs := newNamespace(t), server(t), clientset(t)
	// Both in one apply: the pod is admitted a moment after the range is
	// stored, before the API server's informer may have it (the plugin
	// then asks the server, as Kubernetes' does).
	c.RunIn(memLimitRange+"---\n"+defaultMemDemo, "-n", ns, "apply", "-f", "-")
	pod, err := cs.CoreV1().Pods(ns).Get(context.Background(), "default-mem-demo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := pod.Spec.Containers[0].Resources
	if got := r.Limits.Memory().String(); got != "512Mi" {
		t.Errorf("memory limit = %s, want 512Mi", got)
	}
	if got := r.Requests.Memory().String(); got != "256Mi" {
		t.Errorf("memory request = %s, want 256Mi", got)
	}
	want := "LimitRanger plugin set: memory request for container default-mem-demo-ctr; memory limit for container default-mem-demo-ctr"
	if got := pod.Annotations["kubernetes.io/limit-ranger"]; got != want {
		t.Errorf("annotation = %q, want %q", got, want)
	}
	out := c.Run("-n", ns, "describe", "limitrange", "mem-limit-range")
	if !strings.Contains(out, "Container") || !strings.Contains(out, "256Mi") || !strings.Contains(out, "512Mi") {
		t.Errorf("describe limitrange:\n%s", out)
	}
	if out := c.Run("-n", ns, "get", "limits"); !strings.Contains(out, "CREATED AT") || !strings.Contains(out, "mem-limit-range") {
		t.Errorf("kubectl get limits:\n%s", out)
	}
}

// The docs' "Configure Minimum and Maximum CPU Constraints for a
// Namespace": a pod over the max is refused in Kubernetes' words.
const cpuMinMax = `apiVersion: v1
kind: LimitRange
metadata:
  name: cpu-min-max-demo-lr
spec:
  limits:
  - max:
      cpu: "800m"
    min:
      cpu: "200m"
    type: Container
`

const cpuOverMax = `apiVersion: v1
kind: Pod
metadata:
  name: constraints-cpu-demo-2
spec:
  containers:
  - name: constraints-cpu-demo-2-ctr
    image: busybox
    command: ["sleep", "3600"]
    resources:
      limits:
        cpu: "1.5"
      requests:
        cpu: "500m"
`

func TestLimitRangeRefusesAPodOverTheMax(t *testing.T) {
	t.Parallel()
	ns, c := newNamespace(t), server(t)
	c.RunIn(cpuMinMax, "-n", ns, "apply", "-f", "-")
	waitLimitRanges(t, ns, 1)
	errOut := c.Fail(cpuOverMax, "-n", ns, "apply", "-f", "-")
	want := `pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m`
	if !strings.Contains(errOut, want) {
		t.Errorf("kubectl apply said %q, want %q", errOut, want)
	}
	// A pod with no cpu at all gets min and max as request and limit
	// (defaults from the max) and passes.
	c.RunIn(defaultMemDemo, "-n", ns, "apply", "-f", "-")
	out := c.Run("-n", ns, "get", "pod", "default-mem-demo", "-o", "jsonpath={.spec.containers[0].resources}")
	if !strings.Contains(out, `"limits":{"cpu":"800m"}`) || !strings.Contains(out, `"requests":{"cpu":"800m"}`) {
		t.Errorf("resources = %s", out)
	}
	errOut = c.Fail(`apiVersion: v1
kind: LimitRange
metadata:
  name: bad
spec:
  limits:
  - type: Container
    min: {cpu: "1"}
    max: {cpu: "500m"}
`, "-n", ns, "apply", "-f", "-")
	if !strings.Contains(errOut, "spec.limits[0].min[cpu]: Invalid value: \"1\": min value 1 is greater than max value 500m") {
		t.Errorf("invalid LimitRange: %s", errOut)
	}
}

func waitLimitRanges(t *testing.T, ns string, n int) {
	t.Helper()
	// The range is stored (the pod's refusal does not depend on timing:
	// the plugin looks a namespace up live when its cache shows none).
	cs := clientset(t)
	waitFor(t, func() bool {
		l, err := cs.CoreV1().LimitRanges(ns).List(context.Background(), metav1.ListOptions{})
		return err == nil && len(l.Items) == n
	}, "limit ranges listed")
}

// The docs' "Configure Memory and CPU Quotas for a Namespace".
const quotaMemCPU = `apiVersion: v1
kind: ResourceQuota
metadata:
  name: mem-cpu-demo
spec:
  hard:
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "2"
    limits.memory: 2Gi
`

func quotaPod(name, memLimit, memRequest string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
spec:
  containers:
  - name: %s-ctr
    image: busybox
    command: ["sleep", "3600"]
    resources:
      limits:
        memory: "%s"
        cpu: "800m"
      requests:
        memory: "%s"
        cpu: "400m"
`, name, name, memLimit, memRequest)
}

func TestResourceQuotaMemoryAndCPU(t *testing.T) {
	t.Parallel()
	ns, c, cs := newNamespace(t), server(t), clientset(t)
	c.RunIn(quotaMemCPU, "-n", ns, "apply", "-f", "-")
	waitUsed(t, ns, "mem-cpu-demo", "requests.memory", "0")
	c.RunIn(quotaPod("quota-mem-cpu-demo", "800Mi", "600Mi"), "-n", ns, "apply", "-f", "-")
	out := c.Run("-n", ns, "get", "resourcequota", "mem-cpu-demo", "-o", "yaml")
	for _, want := range []string{"used:", "limits.cpu: 800m", "limits.memory: 800Mi", "requests.cpu: 400m", "requests.memory: 600Mi"} {
		if !strings.Contains(out, want) {
			t.Errorf("quota yaml lacks %q:\n%s", want, out)
		}
	}
	out = c.Run("-n", ns, "get", "quota")
	if !strings.Contains(out, "REQUEST") || !strings.Contains(out, "requests.cpu: 400m/1, requests.memory: 600Mi/1Gi") ||
		!strings.Contains(out, "limits.cpu: 800m/2, limits.memory: 800Mi/2Gi") {
		t.Errorf("kubectl get quota:\n%s", out)
	}
	errOut := c.Fail(quotaPod("quota-mem-cpu-demo-2", "1Gi", "700Mi"), "-n", ns, "apply", "-f", "-")
	want := `pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi`
	if !strings.Contains(errOut, want) {
		t.Errorf("second pod: %q, want %q", errOut, want)
	}
	errOut = c.Fail(defaultMemDemo, "-n", ns, "apply", "-f", "-")
	want = `pods "default-mem-demo" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: default-mem-demo-ctr; limits.memory for: default-mem-demo-ctr; requests.cpu for: default-mem-demo-ctr; requests.memory for: default-mem-demo-ctr`
	if !strings.Contains(errOut, want) {
		t.Errorf("pod without resources: %q, want %q", errOut, want)
	}
	// Deleting the pod gives its share back (the quota controller).
	zero := int64(0)
	if err := cs.CoreV1().Pods(ns).Delete(context.Background(), "quota-mem-cpu-demo", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	waitUsed(t, ns, "mem-cpu-demo", "requests.memory", "0")
	c.RunIn(quotaPod("quota-mem-cpu-demo-2", "1Gi", "700Mi"), "-n", ns, "apply", "-f", "-")
}

// waitUsed waits for the quota controller to report used[res] = want.
func waitUsed(t *testing.T, ns, name, res, want string) {
	t.Helper()
	cs := clientset(t)
	waitFor(t, func() bool {
		q, err := cs.CoreV1().ResourceQuotas(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false
		}
		used, ok := q.Status.Used[corev1.ResourceName(res)]
		return ok && used.Cmp(resource.MustParse(want)) == 0
	}, fmt.Sprintf("quota %s used %s = %s", name, res, want))
}

// An object-count quota: parallel creates never pass it together, and a
// delete gives the count back.
func TestObjectCountQuota(t *testing.T) {
	t.Parallel()
	ns, c, cs := newNamespace(t), server(t), clientset(t)
	ctx := context.Background()
	// The root CA configmap every namespace gets counts too; wait for it
	// so the starting count is known.
	waitFor(t, func() bool {
		_, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		return err == nil
	}, "kube-root-ca.crt")
	c.RunIn(`apiVersion: v1
kind: ResourceQuota
metadata:
  name: object-counts
spec:
  hard:
    count/configmaps: "5"
`, "-n", ns, "apply", "-f", "-")
	waitUsed(t, ns, "object-counts", "count/configmaps", "1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, refused := 0, 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%d", i)}}
			_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota: object-counts, requested: count/configmaps=1, used: count/configmaps=5, limited: count/configmaps=5"):
				refused++
			default:
				t.Errorf("create cm-%d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if created != 4 || refused != 6 {
		t.Fatalf("created %d, refused %d; want 4 and 6", created, refused)
	}
	waitUsed(t, ns, "object-counts", "count/configmaps", "5")
	errOut := c.Fail("", "-n", ns, "create", "configmap", "one-more")
	if !strings.Contains(errOut, `configmaps "one-more" is forbidden: exceeded quota: object-counts, requested: count/configmaps=1, used: count/configmaps=5, limited: count/configmaps=5`) {
		t.Errorf("kubectl create: %s", errOut)
	}
	list, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range list.Items {
		if strings.HasPrefix(cm.Name, "cm-") {
			c.Run("-n", ns, "delete", "configmap", cm.Name)
			break
		}
	}
	waitUsed(t, ns, "object-counts", "count/configmaps", "4")
	c.Run("-n", ns, "create", "configmap", "one-more")
}

func TestResourceQuotaValidation(t *testing.T) {
	t.Parallel()
	ns, c := newNamespace(t), server(t)
	errOut := c.Fail(`apiVersion: v1
kind: ResourceQuota
metadata:
  name: bad
spec:
  hard:
    pods: "1.5"
    requests.cpu: "-1"
    limits.cpu: "2"
  scopes: ["BestEffort", "NotBestEffort"]
`, "-n", ns, "apply", "-f", "-")
	for _, want := range []string{
		`spec.hard[pods]: Invalid value: "1500m": must be an integer`,
		`spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0`,
		`unsupported scope applied to resource`,
		`conflicting scopes`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error lacks %q:\n%s", want, errOut)
		}
	}
}
