package e2e

import (
	"encoding/base64"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// The defects a new user met in the first hour with the seeds' manifests
// (issue 11), each through the real kubectl against one server.

const redisSecret = `apiVersion: v1
kind: Secret
metadata: {name: redis-secret}
type: Opaque
data: {other: b2xk}
stringData: {redis-password: s3cret, other: new}
---
apiVersion: v1
kind: Pod
metadata: {name: reads-secret}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo "password=$(REDIS_PASSWORD)"']
    env:
    - name: REDIS_PASSWORD
      valueFrom: {secretKeyRef: {name: redis-secret, key: redis-password}}
`

// TestSecretStringDataIsMergedIntoData: stringData overrides data's keys,
// is never stored or returned, counts in DATA, and pods read its keys.
func TestSecretStringDataIsMergedIntoData(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(redisSecret, "apply", "-f", "-")
	var sec struct {
		Data       map[string]string `json:"data"`
		StringData map[string]string `json:"stringData"`
	}
	mustJSON(t, c.Run("get", "secret", "redis-secret", "-o", "json"), &sec)
	b64 := base64.StdEncoding.EncodeToString
	if sec.StringData != nil || sec.Data["redis-password"] != b64([]byte("s3cret")) || sec.Data["other"] != b64([]byte("new")) {
		t.Errorf("stored secret: data %v, stringData %v", sec.Data, sec.StringData)
	}
	if row := strings.Fields(c.Run("get", "secret", "redis-secret", "--no-headers")); len(row) < 3 || row[2] != "2" {
		t.Errorf("kubectl get secret row %v, want DATA 2", row)
	}
	waitPhase(t, cs, "reads-secret", corev1.PodSucceeded)
	if got := c.Run("logs", "reads-secret"); strings.TrimSpace(got) != "password=s3cret" {
		t.Errorf("pod read %q", got)
	}
	c.Run("patch", "secret", "redis-secret", "-p", `{"stringData":{"redis-password":"changed"}}`)
	if got := c.Run("get", "secret", "redis-secret", "-o", "jsonpath={.data.redis-password}"); got != b64([]byte("changed")) {
		t.Errorf("after a stringData patch data.redis-password = %q", got)
	}
}

// sleepWithPVC is seed 002's listing 8.4 completed as a user would: its
// container mounts the claim template "data". sleep, as PID 1, ignores
// SIGTERM, so a short grace period keeps each pod replacement short.
const sleepWithPVC = `apiVersion: APIVERSION
kind: StatefulSet
metadata: {name: NAME}
spec:
  selector:
    matchLabels: {app: NAME}
  serviceName: NAME
  replicas: 2
  template:
    metadata:
      labels: {app: NAME}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: kiamol/ch03-sleep
        command: [sleep, "3600"]
        volumeMounts:
        - name: MOUNT
          mountPath: /data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 5Mi}
`

func statefulSet(apiVersion, name, mount string) string {
	return strings.NewReplacer("APIVERSION", apiVersion, "NAME", name, "MOUNT", mount).Replace(sleepWithPVC)
}

// TestStatefulSetsMountTheirClaimTemplatesAndScale: a StatefulSet whose
// containers mount a volumeClaimTemplate is stored (apps/v1 and v1beta1);
// kubectl scale writes spec.replicas of StatefulSets and Deployments, with
// Kubernetes' 409 for a stale resourceVersion and 422 for negative replicas.
func TestStatefulSetsMountTheirClaimTemplatesAndScale(t *testing.T) {
	t.Parallel()
	c := startNoAgent(t)
	c.RunIn(statefulSet("apps/v1", "sleep-with-pvc", "data"), "apply", "-f", "-")
	c.RunIn(statefulSet("apps/v1beta1", "sleep-beta", "data"), "apply", "-f", "-")
	errOut := c.Fail(statefulSet("apps/v1", "typo", "logs"), "apply", "-f", "-")
	if !strings.Contains(errOut, `spec.template.spec.containers[0].volumeMounts[0].name: Not found: "logs"`) {
		t.Errorf("a mount of no volume and no claim template: %s", errOut)
	}

	c.Run("scale", "statefulset", "sleep-with-pvc", "--replicas=3")
	if got := c.Run("get", "statefulset", "sleep-with-pvc", "-o", "jsonpath={.spec.replicas}"); got != "3" {
		t.Errorf("spec.replicas after kubectl scale: %q", got)
	}
	if got := c.Run("get", "statefulset", "sleep-with-pvc", "--subresource=scale", "-o", "jsonpath={.spec.replicas}"); got != "3" {
		t.Errorf("scale subresource after kubectl scale: %q", got)
	}
	c.Run("create", "deployment", "sleep", "--image=busybox", "--", "sleep", "3600")
	c.Run("scale", "deployment/sleep", "--replicas=4")
	if got := c.Run("get", "deployment", "sleep", "-o", "jsonpath={.spec.replicas}"); got != "4" {
		t.Errorf("deployment spec.replicas after kubectl scale: %q", got)
	}
	// kubectl checks --resource-version itself; a PUT of a stale Scale
	// reaches the server.
	stale := `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"sleep-with-pvc","namespace":"default","resourceVersion":"1"},"spec":{"replicas":5}}`
	errOut = c.Fail(stale, "replace", "--raw", "/apis/apps/v1/namespaces/default/statefulsets/sleep-with-pvc/scale", "-f", "-")
	if !strings.Contains(errOut, `Operation cannot be fulfilled on statefulsets.apps "sleep-with-pvc": the object has been modified`) {
		t.Errorf("scale with a stale resourceVersion: %s", errOut)
	}
	errOut = c.Fail("", "patch", "statefulset", "sleep-with-pvc", "--subresource=scale", "--type=merge", "-p", `{"spec":{"replicas":-1}}`)
	if !strings.Contains(errOut, "spec.replicas: Invalid value: -1: must be greater than or equal to 0") {
		t.Errorf("scale to -1: %s", errOut)
	}
	if got := c.Run("get", "statefulset", "sleep-with-pvc", "-o", "jsonpath={.spec.replicas}"); got != "3" {
		t.Errorf("spec.replicas after refused scales: %q", got)
	}
}

// TestVersionAndScheduleErrorsANewUserSees: kubectl version succeeds with
// a parseable server version; a 7-field schedule says what is accepted.
func TestVersionAndScheduleErrorsANewUserSees(t *testing.T) {
	t.Parallel()
	c := startNoAgent(t)
	out := c.Run("version")
	if !strings.Contains(out, "Server Version: v1.") || strings.Contains(out, "$Format") {
		t.Errorf("kubectl version:\n%s", out)
	}
	errOut := c.Fail("", "create", "cronjob", "seven", "--image=busybox", "--schedule=0 0 0 * * * 2026", "--", "true")
	for _, want := range []string{"spec.schedule", "expected 5 fields", "or 6 with seconds first", "found 7 fields"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("7-field schedule: %q lacks %q", errOut, want)
		}
	}
}

func startNoAgent(t *testing.T) *testcluster.T { return testcluster.StartT(t, "--no-agent") }
