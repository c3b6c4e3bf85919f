package agent

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/images"
)

// TestBackOffIsReportedOnlyForCrashLoops: a restart held by the crash-loop
// back-off is named for the BackOff event; a start retried after it could
// not happen (a waiting reason such as CreateContainerConfigError) is not.
func TestBackOffIsReportedOnlyForCrashLoops(t *testing.T) {
	crashed := exited(1, t0.Add(10*time.Second))
	notStarted := &container{waiting: "CreateContainerConfigError", notUntil: t0.Add(10 * time.Second)}
	d := plan(testPod(corev1.RestartPolicyAlways, nil, "a", "b"), state(map[string]*container{"a": crashed, "b": notStarted}), t0)
	if len(d.backOff) != 1 || d.backOff[0] != "a" {
		t.Errorf("backOff = %v, want [a]", d.backOff)
	}
	d = plan(testPod(corev1.RestartPolicyAlways, []string{"init"}, "a"), state(map[string]*container{"init": exited(1, t0.Add(time.Second))}), t0)
	if len(d.backOff) != 1 || d.backOff[0] != "init" {
		t.Errorf("init container: backOff = %v, want [init]", d.backOff)
	}
	if d = plan(testPod(corev1.RestartPolicyAlways, nil, "a"), state(map[string]*container{"a": exited(1, t0)}), t0); len(d.backOff) != 0 {
		t.Errorf("a container whose back-off is over is started, not backed off: %v", d.backOff)
	}
}

func TestContainerIDsNameTheRun(t *testing.T) {
	p := testPod(corev1.RestartPolicyAlways, nil, "a")
	c := exited(1, t0.Add(10*time.Second))
	c.restarts = 3
	st := state(map[string]*container{"a": c})
	s := podStatus(statusInput{pod: p, st: st, now: t0, imageID: func(string) string { return "img" }})
	cs := s.ContainerStatuses[0]
	if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" {
		t.Fatalf("state %+v, want waiting in CrashLoopBackOff", cs.State)
	}
	if cs.ContainerID != "ordo://u-a-3" || cs.LastTerminationState.Terminated.ContainerID != "ordo://u-a-3" || cs.ImageID != "img" {
		t.Errorf("backing off: containerID %q, last state's %q, imageID %q", cs.ContainerID, cs.LastTerminationState.Terminated.ContainerID, cs.ImageID)
	}
	if s := podStatus(statusInput{pod: p, st: state(map[string]*container{}), now: t0, imageID: func(string) string { return "img" }}); s.ContainerStatuses[0].ImageID != "" {
		t.Errorf("a container that never ran has imageID %q", s.ContainerStatuses[0].ImageID)
	}
}

func TestImageID(t *testing.T) {
	table, err := images.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for image, repo := range map[string]string{
		"busybox":                        "docker.io/library/busybox",
		"busybox:1.36":                   "docker.io/library/busybox",
		"docker.io/library/busybox:1.36": "docker.io/library/busybox",
		"bitnami/redis:7":                "docker.io/bitnami/redis",
		"registry.k8s.io/e2e-test-images/agnhost:2.39": "registry.k8s.io/e2e-test-images/agnhost",
		"localhost:5000/app@sha256:abc":                "localhost:5000/app",
	} {
		id := imageID(table, image)
		if !strings.HasPrefix(id, imageIDScheme+repo+"@sha256:") || len(id) != len(imageIDScheme+repo+"@sha256:")+64 {
			t.Errorf("imageID(%q) = %q, want %s%s@sha256:<64 hex>", image, id, imageIDScheme, repo)
		}
	}
	if imageID(table, "busybox:1.36") != imageID(table, "busybox") {
		t.Error("two tags of one table entry got different image IDs")
	}
	if imageID(table, "busybox") == imageID(table, "nginx") {
		t.Error("two table entries got the same image ID")
	}
}
