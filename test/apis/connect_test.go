package apis

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAdmissionPolicyDeniesExecOfAPod: admission sees a CONNECT to
// pods/exec as Kubernetes presents it, a PodExecOptions object (the
// subresource's kind), so a ValidatingAdmissionPolicy on pods/exec
// refuses `kubectl exec` with its own message. ordo used to register
// pods/exec (and attach, portforward, proxy) with the kind Pod, and every
// such policy or webhook failed with "converting (v1.PodExecOptions) to
// (v1.Pod): unknown conversion" instead.
func TestAdmissionPolicyDeniesExecOfAPod(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	policy, binding := ns+"-no-exec.example.com", ns+"-no-exec-binding.example.com"
	deleteClusterObject(t, "validatingadmissionpolicybinding", binding)
	deleteClusterObject(t, "validatingadmissionpolicy", policy)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: target}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
`, "-n", ns, "apply", "-f", "-")
	cs := clientset(t)
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), "target", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning
	}, "the pod to run")
	c.RunIn(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: `+policy+`}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CONNECT]
      resources: [pods/exec]
  validations:
  - expression: object.command[0] != "forbidden"
    message: exec of forbidden is not allowed here
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: `+binding+`}
spec:
  policyName: `+policy+`
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: `+ns+`}
`, "apply", "-f", "-")
	var errOut string
	waitFor(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, errOut, _ = c.Kubectl(ctx, "", "-n", ns, "exec", "target", "--", "forbidden")
		return strings.Contains(errOut, "exec of forbidden is not allowed here")
	}, "the policy to refuse the exec")
	if strings.Contains(errOut, "unknown conversion") {
		t.Fatalf("exec: %s", errOut)
	}
	// Other commands pass the policy (the expression reads the options).
	if out := c.Run("-n", ns, "exec", "target", "--", "echo", "allowed"); strings.TrimSpace(out) != "allowed" {
		t.Fatalf("an allowed exec printed %q", out)
	}
}
