package apis

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPriorityClassResolvesPodPriority: the system classes exist, a pod
// naming a class gets its value as spec.priority through the Priority
// admission plugin (and no "not implemented" warning), and a pod naming no
// existing class is refused with Kubernetes' message.
func TestPriorityClassResolvesPodPriority(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c, cs := server(t), clientset(t)
	class := ns + "-high"
	c.RunIn(fmt.Sprintf("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: %s}\nvalue: 1000\npreemptionPolicy: Never\n", class), "apply", "-f", "-")
	t.Cleanup(func() {
		_ = cs.SchedulingV1().PriorityClasses().Delete(context.Background(), class, metav1.DeleteOptions{})
	})

	out := c.Run("get", "pc")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Join(strings.Fields(lines[0]), " ") != "NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY" {
		t.Fatalf("kubectl get pc:\n%s", out)
	}
	rows := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		rows[f[0]] = f
	}
	for name, value := range map[string]string{"system-cluster-critical": "2000000000", "system-node-critical": "2000001000", class: "1000"} {
		if f := rows[name]; len(f) != 5 || f[1] != value || f[2] != "false" {
			t.Errorf("row of %s: %q", name, f)
		}
	}
	if f := rows[class]; len(f) == 5 && f[4] != "Never" {
		t.Errorf("preemption policy of %s: %q", class, f)
	}

	pod := `{"spec":{"priorityClassName":"%s","terminationGracePeriodSeconds":1,"containers":[{"name":"p","image":"busybox","command":["sleep","3600"]}]}}`
	_, warnings, err := c.Kubectl(context.Background(), "", "-n", ns, "run", "prio", "--image=busybox", "--overrides", fmt.Sprintf(pod, class))
	if err != nil || strings.Contains(warnings, "priorityClassName") {
		t.Fatalf("kubectl run with a priority class: %v\n%s", err, warnings)
	}
	got := c.Run("-n", ns, "get", "pod", "prio", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}")
	if got != "1000 Never" {
		t.Errorf("pod priority and policy = %q, want 1000 Never", got)
	}
	c.Run("-n", ns, "run", "plain", "--image=busybox", "--command", "--", "sleep", "3600")
	if got := c.Run("-n", ns, "get", "pod", "plain", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}"); got != "0 PreemptLowerPriority" {
		t.Errorf("a pod without a class: %q, want 0 PreemptLowerPriority", got)
	}
	errOut := c.Fail("", "-n", ns, "run", "nope", "--image=busybox", "--overrides", fmt.Sprintf(pod, "nope"))
	if !strings.Contains(errOut, "no PriorityClass with name nope was found") {
		t.Errorf("unknown class: %s", errOut)
	}

	high := "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: %s}\nvalue: %d\n"
	if out := c.Fail(fmt.Sprintf(high, ns+"-huge", 2000000000), "apply", "-f", "-"); !strings.Contains(out, "maximum allowed value of a user defined priority is 1000000000") {
		t.Errorf("user class above 1e9: %s", out)
	}
	if out := c.Fail(fmt.Sprintf(high, "system-"+ns, 10), "apply", "-f", "-"); !strings.Contains(out, "priority class names with 'system-' prefix are reserved for system use only") {
		t.Errorf("system- prefix: %s", out)
	}
}
