package apis

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var helmBuild struct {
	once sync.Once
	path string
	err  error
}

// helmBinary builds the real helm client from hack/helm (a module of its
// own, so helm's dependencies stay out of ordo's go.mod) once per run.
func helmBinary(t *testing.T) string {
	t.Helper()
	helmBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "ordo-helm-")
		if err != nil {
			helmBuild.err = err
			return
		}
		helmBuild.path = filepath.Join(dir, "helm")
		cmd := exec.Command("go", "build", "-o", helmBuild.path, "helm.sh/helm/v4/cmd/helm")
		cmd.Dir = filepath.Join("..", "..", "hack", "helm")
		if out, err := cmd.CombinedOutput(); err != nil {
			helmBuild.err = err
			helmBuild.path = string(out)
		}
	})
	if helmBuild.err != nil {
		t.Fatalf("building helm: %v\n%s", helmBuild.err, helmBuild.path)
	}
	return helmBuild.path
}

// helmRunner runs helm against the shared server with homes of t's own.
type helmRunner struct {
	t    *testing.T
	bin  string
	env  []string
	args []string
}

func newHelm(t *testing.T, namespace string) *helmRunner {
	home := t.TempDir()
	return &helmRunner{t: t, bin: helmBinary(t), env: append(os.Environ(),
		"KUBECONFIG="+server(t).Kubeconfig(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	), args: []string{"--namespace", namespace}}
}

// run runs helm and fails the test when it exits non-zero.
func (h *helmRunner) run(args ...string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, append(args, h.args...)...)
	cmd.Env = h.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		h.t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestHelmChartLifecycle installs, tests, upgrades, rolls back and
// uninstalls, with the real helm client, a chart that uses a CRD and a
// custom resource, a validating webhook served from a pod of the chart, a
// DaemonSet, a PodDisruptionBudget, a HorizontalPodAutoscaler, a
// NetworkPolicy, a ResourceQuota and a LimitRange.
func TestHelmChartLifecycle(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	cs := clientset(t)
	h := newHelm(t, ns)
	chart := filepath.Join("testdata", "charts", "demo")
	t.Cleanup(func() {
		_, _, _ = c.Kubectl(context.Background(), "", "delete", "crd", "backups.demo.ordo.dev", "--ignore-not-found")
		_, _, _ = c.Kubectl(context.Background(), "", "delete", "validatingwebhookconfiguration", ns+"-demo-webhook", "--ignore-not-found")
	})

	h.run("install", "demo", chart, "--wait", "--timeout", "4m")
	if out := c.Run("-n", ns, "get", "backups"); !strings.Contains(out, "nightly-pg-dump") || !strings.Contains(out, "postgres") {
		t.Fatalf("kubectl get backups:\n%s", out)
	}
	if keep := c.Run("-n", ns, "get", "backup", "nightly-pg-dump", "-o", "jsonpath={.spec.keep}"); keep != "7" {
		t.Errorf("the CRD's default for spec.keep = %q, want 7", keep)
	}
	ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "node-agent", metav1.GetOptions{})
	if err != nil || ds.Status.DesiredNumberScheduled < 1 {
		t.Fatalf("DaemonSet node-agent: %v %+v", err, ds.Status)
	}
	waitFor(t, func() bool {
		pdb, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(context.Background(), "web", metav1.GetOptions{})
		return err == nil && pdb.Status.DisruptionsAllowed == 1 && pdb.Status.CurrentHealthy == 2
	}, "PDB web allows 1 disruption of 2 healthy pods")
	waitFor(t, func() bool {
		q, err := cs.CoreV1().ResourceQuotas(ns).Get(context.Background(), "demo", metav1.GetOptions{})
		return err == nil && q.Status.Used.Pods().Value() >= 4
	}, "the quota counts the chart's pods")
	pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("web pods: %v", err)
	}
	if got := pods.Items[0].Spec.Containers[0].Resources.Limits.Memory().String(); got != "64Mi" {
		t.Errorf("LimitRange default memory limit on web = %s, want 64Mi", got)
	}

	// The webhook, served by the chart's pod, refuses a labelled ConfigMap.
	refused := c.Fail(`apiVersion: v1
kind: ConfigMap
metadata: {name: bad, labels: {demo.ordo.dev/check: "true"}}
data: {forbidden: "1"}
`, "-n", ns, "apply", "-f", "-")
	if !strings.Contains(refused, `admission webhook "configmaps.demo.ordo.dev" denied the request: demo webhook: data key "forbidden" is not allowed`) {
		t.Errorf("webhook refusal = %s", refused)
	}

	if out := h.run("test", "demo"); !strings.Contains(out, "Phase:         Succeeded") && !strings.Contains(out, "Succeeded") {
		t.Errorf("helm test:\n%s", out)
	}

	h.run("upgrade", "demo", chart, "--set", "replicas=3", "--wait", "--timeout", "4m")
	waitReplicas(t, ns, "web", 3)
	h.run("rollback", "demo", "1", "--wait", "--timeout", "4m")
	waitReplicas(t, ns, "web", 2)
	if out := h.run("history", "demo"); strings.Count(out, "\n") < 4 || !strings.Contains(out, "Rollback to 1") {
		t.Errorf("helm history:\n%s", out)
	}

	h.run("uninstall", "demo", "--wait", "--timeout", "4m")
	waitFor(t, func() bool {
		_, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "node-agent", metav1.GetOptions{})
		return err != nil
	}, "uninstall removes the DaemonSet")
	// Helm keeps CRDs from crds/ on uninstall; the custom resource goes.
	if out := c.Run("get", "crd", "backups.demo.ordo.dev", "-o", "name"); !strings.Contains(out, "backups.demo.ordo.dev") {
		t.Errorf("the CRD should outlive the release: %q", out)
	}
}

// waitReplicas waits until Deployment name has want replicas, all ready.
func waitReplicas(t *testing.T, ns, name string, want int32) {
	t.Helper()
	cs := clientset(t)
	waitFor(t, func() bool {
		d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		return err == nil && d.Spec.Replicas != nil && *d.Spec.Replicas == want && d.Status.ReadyReplicas == want
	}, name+" has its replicas ready")
}
