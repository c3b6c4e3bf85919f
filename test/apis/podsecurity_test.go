package apis

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubectlOut runs kubectl against the shared server and returns stdout,
// stderr (where kubectl prints warnings) and whether it succeeded.
func kubectlOut(t *testing.T, stdin string, args ...string) (string, string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, errOut, err := server(t).Kubectl(ctx, stdin, args...)
	return out, errOut, err == nil
}

// lastLine is the last line of kubectl's stderr: the error, after the
// warnings (ordo's own on fields it does not implement come first).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// labelNamespace sets labels on ns through client-go.
func labelNamespace(t *testing.T, ns string, labels map[string]string) {
	t.Helper()
	cs := clientset(t)
	n, err := cs.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	for k, v := range labels {
		n.Labels[k] = v
	}
	if _, err := cs.CoreV1().Namespaces().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata: {name: x}
spec:
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    securityContext: {privileged: true}
`

const hostPathPod = `apiVersion: v1
kind: Pod
metadata: {name: h}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: {type: RuntimeDefault}
  volumes:
  - name: host
    hostPath: {path: /}
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    volumeMounts: [{name: host, mountPath: /host}]
`

// TestPodSecurityEnforceRestricted: in a namespace labelled
// enforce=restricted, a privileged pod and a hostPath pod are refused
// with Kubernetes' messages, a Deployment whose template violates the
// level is created with kubectl's warning, and a pod that meets the
// level is admitted and runs.
func TestPodSecurityEnforceRestricted(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	labelNamespace(t, ns, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})

	_, errOut, ok := kubectlOut(t, privilegedPod, "-n", ns, "create", "-f", "-")
	want := `Error from server (Forbidden): error when creating "STDIN": pods "x" is forbidden: violates PodSecurity "restricted:latest": ` +
		`privileged (container "c" must not set securityContext.privileged=true), ` +
		`allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ` +
		`unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ` +
		`runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ` +
		`seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
	if ok || lastLine(errOut) != want {
		t.Errorf("privileged pod: ok=%v\n got: %s\nwant: %s", ok, strings.TrimSpace(errOut), want)
	}

	_, errOut, ok = kubectlOut(t, hostPathPod, "-n", ns, "create", "-f", "-")
	want = `Error from server (Forbidden): error when creating "STDIN": pods "h" is forbidden: violates PodSecurity "restricted:latest": ` +
		`restricted volume types (volume "host" uses restricted volume type "hostPath")`
	if ok || lastLine(errOut) != want {
		t.Errorf("hostPath pod: ok=%v\n got: %s\nwant: %s", ok, strings.TrimSpace(errOut), want)
	}

	_, errOut, ok = kubectlOut(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: 0
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      hostNetwork: true
      containers:
      - name: c
        image: busybox
        command: [sleep, "3600"]
`, "-n", ns, "create", "-f", "-")
	want = `Warning: would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true), ` +
		`allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ` +
		`unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ` +
		`runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ` +
		`seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
	if !ok || !strings.Contains(errOut, want) {
		t.Errorf("deployment: ok=%v\n got: %s\nwant: %s", ok, strings.TrimSpace(errOut), want)
	}

	out, errOut, ok := kubectlOut(t, `apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`, "-n", ns, "create", "-f", "-")
	if !ok || strings.Contains(errOut, "PodSecurity") {
		t.Fatalf("restricted pod: ok=%v\nstdout: %s\nstderr: %s", ok, out, errOut)
	}
	cs := clientset(t)
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), "ok", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning
	}, "the restricted pod to run")
}

// TestPodSecurityWarnBaseline: warn=baseline admits a privileged pod with
// kubectl's warning.
func TestPodSecurityWarnBaseline(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	labelNamespace(t, ns, map[string]string{"pod-security.kubernetes.io/warn": "baseline"})
	_, errOut, ok := kubectlOut(t, privilegedPod, "-n", ns, "create", "-f", "-")
	want := `Warning: would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)`
	if !ok || !strings.Contains(errOut, want) {
		t.Fatalf("ok=%v\n got: %s\nwant: %s", ok, strings.TrimSpace(errOut), want)
	}
	if _, err := clientset(t).CoreV1().Pods(ns).Get(context.Background(), "x", metav1.GetOptions{}); err != nil {
		t.Fatalf("the pod was not created: %v", err)
	}
}

// TestPodSecurityLabelWarnsAboutExistingPods: enforcing a level on a
// namespace warns about the pods already there that violate it, and
// bad level labels are refused.
func TestPodSecurityLabelWarnsAboutExistingPods(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.RunIn(privilegedPod, "-n", ns, "create", "-f", "-")
	cs := clientset(t)
	waitFor(t, func() bool {
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), "x", metav1.GetOptions{})
		return err == nil && p.Spec.NodeName != ""
	}, "the pod to be scheduled")
	_, errOut, ok := kubectlOut(t, "", "label", "namespace", ns, "pod-security.kubernetes.io/enforce=baseline")
	for _, want := range []string{
		`Warning: existing pods in namespace "` + ns + `" violate the new PodSecurity enforce level "baseline:latest"`,
		`Warning: x: privileged`,
	} {
		if !ok || !strings.Contains(errOut, want) {
			t.Errorf("label: ok=%v\n got: %s\nwant: %s", ok, strings.TrimSpace(errOut), want)
		}
	}
	_, errOut, ok = kubectlOut(t, "", "label", "--overwrite", "namespace", ns, "pod-security.kubernetes.io/warn=strict")
	want := `metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "strict": must be one of privileged, baseline, restricted`
	if ok || !strings.Contains(errOut, want) {
		t.Errorf("bad level: ok=%v\n got: %s\nwant: %s", ok, strings.TrimSpace(errOut), want)
	}
}
