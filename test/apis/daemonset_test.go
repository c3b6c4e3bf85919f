package apis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// fluentdDaemonSet is the DaemonSet of Kubernetes' DaemonSet concept page
// (controllers/daemonset.yaml), tolerations included, in the test's
// namespace rather than kube-system. The container gives a command: the
// machine has no registry, so it runs on the host's root (README, Images);
// the command stops on SIGTERM, so each pod replaced in place goes at once
// rather than after its 30 s grace period.
const fluentdDaemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluentd-elasticsearch
  labels:
    k8s-app: fluentd-logging
spec:
  selector:
    matchLabels:
      name: fluentd-elasticsearch
  template:
    metadata:
      labels:
        name: fluentd-elasticsearch
    spec:
      tolerations:
      # these tolerations are to have the daemonset runnable on control plane nodes
      # remove them if your control plane nodes should not run pods
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/master
        operator: Exists
        effect: NoSchedule
      containers:
      - name: fluentd-elasticsearch
        image: quay.io/fluentd_elasticsearch/fluentd:v5.0.1
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
        resources:
          limits:
            memory: 200Mi
          requests:
            cpu: 100m
            memory: 200Mi
        volumeMounts:
        - name: varlog
          mountPath: /var/log
      # it may be desirable to set a high priority class to ensure that a DaemonSet Pod
      # preempts running Pods
      # priorityClassName: important
      terminationGracePeriodSeconds: 30
      volumes:
      - name: varlog
        hostPath:
          path: /var/log
`

// daemonPods lists the pods of a DaemonSet's selector in ns.
func daemonPods(t *testing.T, cs kubernetes.Interface, ns, selector string) []corev1.Pod {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// TestDaemonSetRollout applies the docs' DaemonSet: its pod lands on the
// node and becomes Ready, `kubectl get ds` prints Kubernetes' columns,
// an image change rolls out (two revisions), `kubectl rollout undo` rolls
// back (the first template becomes revision 3), and deleting the
// DaemonSet deletes its pod.
func TestDaemonSetRollout(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	cs := clientset(t)
	c.RunIn(fluentdDaemonSet, "-n", ns, "apply", "-f", "-")
	c.Run("-n", ns, "rollout", "status", "ds/fluentd-elasticsearch", "--timeout=90s")

	pods := daemonPods(t, cs, ns, "name=fluentd-elasticsearch")
	if len(pods) != 1 {
		t.Fatalf("%d pods, want 1 on the one node", len(pods))
	}
	p := pods[0]
	if p.Spec.NodeName != nodeName || !podReady(&p) {
		t.Fatalf("pod %s on %q, ready %v", p.Name, p.Spec.NodeName, podReady(&p))
	}
	terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || terms[0].MatchFields[0].Key != "metadata.name" || terms[0].MatchFields[0].Values[0] != nodeName {
		t.Errorf("pod affinity %+v, want matchFields metadata.name in [%s]", terms, nodeName)
	}
	if p.Labels["pod-template-generation"] != "1" || p.Labels[appsv1.ControllerRevisionHashLabelKey] == "" {
		t.Errorf("pod labels %v", p.Labels)
	}
	if !hasToleration(p.Spec.Tolerations, "node.kubernetes.io/unreachable", corev1.TaintEffectNoExecute) ||
		!hasToleration(p.Spec.Tolerations, "node-role.kubernetes.io/control-plane", corev1.TaintEffectNoSchedule) {
		t.Errorf("tolerations %+v", p.Spec.Tolerations)
	}

	out := c.Run("-n", ns, "get", "ds")
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	if strings.Join(header, " ") != "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE" {
		t.Errorf("kubectl get ds header: %q", out)
	}
	if row := strings.Fields(strings.Split(out, "\n")[1]); len(row) < 8 || strings.Join(row[:7], " ") != "fluentd-elasticsearch 1 1 1 1 1 <none>" {
		t.Errorf("kubectl get ds row: %q", out)
	}
	wide := c.Run("-n", ns, "get", "ds", "-o", "wide")
	if !strings.Contains(wide, "CONTAINERS") || !strings.Contains(wide, "name=fluentd-elasticsearch") {
		t.Errorf("kubectl get ds -o wide: %q", wide)
	}

	// An image change rolls the pod (maxUnavailable 1: replaced in place).
	c.Run("-n", ns, "set", "image", "ds/fluentd-elasticsearch", "fluentd-elasticsearch=quay.io/fluentd_elasticsearch/fluentd:v5.0.2")
	c.Run("-n", ns, "rollout", "status", "ds/fluentd-elasticsearch", "--timeout=90s")
	waitImage(t, cs, ns, "quay.io/fluentd_elasticsearch/fluentd:v5.0.2")
	hist := c.Run("-n", ns, "rollout", "history", "ds/fluentd-elasticsearch")
	if revisions(hist) != "1 2" {
		t.Errorf("rollout history after the update: %q", hist)
	}

	c.Run("-n", ns, "rollout", "undo", "ds/fluentd-elasticsearch")
	c.Run("-n", ns, "rollout", "status", "ds/fluentd-elasticsearch", "--timeout=90s")
	waitImage(t, cs, ns, "quay.io/fluentd_elasticsearch/fluentd:v5.0.1")
	hist = c.Run("-n", ns, "rollout", "history", "ds/fluentd-elasticsearch")
	if revisions(hist) != "2 3" {
		t.Errorf("rollout history after the undo: %q (the first template becomes revision 3)", hist)
	}
	ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "fluentd-elasticsearch", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Annotations["deprecated.daemonset.template.generation"] != "3" || ds.Status.ObservedGeneration != ds.Generation {
		t.Errorf("template generation %q, observed %d of %d", ds.Annotations["deprecated.daemonset.template.generation"],
			ds.Status.ObservedGeneration, ds.Generation)
	}

	c.Run("-n", ns, "delete", "ds", "fluentd-elasticsearch")
	waitFor(t, func() bool { return len(daemonPods(t, cs, ns, "name=fluentd-elasticsearch")) == 0 }, "the DaemonSet's pod deleted with it")
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasToleration(ts []corev1.Toleration, key string, effect corev1.TaintEffect) bool {
	for _, t := range ts {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}

// revisions are the REVISION column of `kubectl rollout history`.
func revisions(out string) string {
	var revs []string
	for _, line := range strings.Split(out, "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 && f[0] != "REVISION" {
			revs = append(revs, f[0])
		}
	}
	return strings.Join(revs, " ")
}

// waitImage waits until the DaemonSet's only live pod runs image.
func waitImage(t *testing.T, cs kubernetes.Interface, ns, image string) {
	t.Helper()
	waitFor(t, func() bool {
		var live []corev1.Pod
		for _, p := range daemonPods(t, cs, ns, "name=fluentd-elasticsearch") {
			if p.DeletionTimestamp == nil {
				live = append(live, p)
			}
		}
		return len(live) == 1 && live[0].Spec.Containers[0].Image == image && podReady(&live[0])
	}, "one ready pod of "+image)
}

// TestDaemonSetPlacement uses Node objects with no agent behind them,
// labelled for this test only. The node lifecycle controller taints such
// nodes unreachable:NoSchedule at once, as Kubernetes' does for a node
// that never reported; the DaemonSet tolerates that (and not-ready), so
// it counts the agentless node (its pod stays Pending: the scheduler
// still refuses a node that is not Ready), gives no pod to the node with
// a NoSchedule taint it does not tolerate, and a nodeSelector that
// matches no node gives DESIRED 0. Not parallel: no other test runs while the
// fake nodes exist, so none of their DaemonSets counts them.
func TestDaemonSetPlacement(t *testing.T) {
	ns := newNamespace(t)
	c := server(t)
	cs := clientset(t)
	ctx := context.Background()
	label := "ordo.test/daemonset-placement"
	for _, n := range []*corev1.Node{
		{ObjectMeta: metav1.ObjectMeta{Name: ns + "-free", Labels: map[string]string{label: ns}}},
		{ObjectMeta: metav1.ObjectMeta{Name: ns + "-tainted", Labels: map[string]string{label: ns}},
			Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "ordo.test/dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}}}},
	} {
		if _, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{}) })
	}
	manifest := func(name, selector string) string {
		return fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: %s
spec:
  selector:
    matchLabels: {app: %s}
  template:
    metadata:
      labels: {app: %s}
    spec:
      nodeSelector: {%s}
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoSchedule}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoSchedule}
      containers:
      - name: c
        image: busybox
        command: ["sleep", "3600"]
`, name, name, name, selector)
	}
	c.RunIn(manifest("placed", label+": "+ns), "-n", ns, "apply", "-f", "-")
	c.RunIn(manifest("nowhere", label+": no-such-"+ns), "-n", ns, "apply", "-f", "-")

	waitFor(t, func() bool {
		ds, err := cs.AppsV1().DaemonSets(ns).Get(ctx, "placed", metav1.GetOptions{})
		return err == nil && ds.Status.ObservedGeneration == ds.Generation && ds.Status.DesiredNumberScheduled == 1 &&
			ds.Status.CurrentNumberScheduled == 1
	}, "DaemonSet placed counting the untainted node only")
	pods := daemonPods(t, cs, ns, labels.Set{"app": "placed"}.String())
	if len(pods) != 1 {
		t.Fatalf("%d pods, want 1 (none for the tainted node)", len(pods))
	}
	p := pods[0]
	terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if terms[0].MatchFields[0].Values[0] != ns+"-free" || p.Spec.NodeName != "" || p.Status.Phase != corev1.PodPending {
		t.Errorf("pod for %v on %q in phase %s, want Pending for %s-free", terms[0].MatchFields[0].Values, p.Spec.NodeName, p.Status.Phase, ns)
	}
	out := c.Run("-n", ns, "get", "ds", "placed", "nowhere", "--no-headers")
	want := map[string]string{"placed": "1 1 0 1 0", "nowhere": "0 0 0 0 0"}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || strings.Join(f[1:6], " ") != want[f[0]] {
			t.Errorf("kubectl get ds row %q, want %s %s", line, f[0], want[f[0]])
		}
	}
	if got := daemonPods(t, cs, ns, "app=nowhere"); len(got) != 0 {
		t.Errorf("%d pods for a nodeSelector matching no node", len(got))
	}
}

// TestDaemonSetSurgeAndOnDelete: with maxSurge 1 the new pod starts beside
// the old one, which goes once the new one is available; with OnDelete a
// template change replaces nothing until the pod is deleted.
func TestDaemonSetSurgeAndOnDelete(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	cs := clientset(t)
	ctx := context.Background()
	c.RunIn(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: surge
spec:
  selector:
    matchLabels: {app: surge}
  updateStrategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: surge}
    spec:
      nodeSelector: {kubernetes.io/hostname: `+nodeName+`}
      containers:
      - name: c
        image: busybox:1.36
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
`, "-n", ns, "apply", "-f", "-")
	c.Run("-n", ns, "rollout", "status", "ds/surge", "--timeout=60s")
	first := daemonPods(t, cs, ns, "app=surge")[0].Name

	// Watch the pods while the update runs: both must be there at once.
	w, err := cs.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=surge"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	c.Run("-n", ns, "set", "image", "ds/surge", "c=busybox:1.37")
	c.Run("-n", ns, "rollout", "status", "ds/surge", "--timeout=60s")
	// Read the pod events until the first pod is gone, noting whether a
	// new pod was live while it was.
	overlapped := false
	live := map[string]bool{}
	timeout := time.After(60 * time.Second)
	for gone := false; !gone; {
		select {
		case ev := <-w.ResultChan():
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			live[p.Name] = ev.Type != watch.Deleted && p.DeletionTimestamp == nil
			gone = p.Name == first && ev.Type == watch.Deleted
			for n, l := range live {
				overlapped = overlapped || (n != first && l && live[first])
			}
		case <-timeout:
			t.Fatalf("the first pod %s was not deleted: %v", first, live)
		}
	}
	if !overlapped {
		t.Errorf("with maxSurge 1 the new pod never ran beside %s: %v", first, live)
	}
	waitFor(t, func() bool {
		pods := daemonPods(t, cs, ns, "app=surge")
		return len(pods) == 1 && pods[0].Name != first && pods[0].Spec.Containers[0].Image == "busybox:1.37"
	}, "the old pod gone after the surge")

	// OnDelete: a new template waits for the pod to be deleted.
	c.Run("-n", ns, "patch", "ds", "surge", "--type=json", "-p",
		`[{"op":"replace","path":"/spec/updateStrategy","value":{"type":"OnDelete"}},{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"busybox:1.38"}]`)
	waitFor(t, func() bool {
		ds, err := cs.AppsV1().DaemonSets(ns).Get(ctx, "surge", metav1.GetOptions{})
		return err == nil && ds.Status.ObservedGeneration == ds.Generation && ds.Status.UpdatedNumberScheduled == 0 && ds.Status.NumberAvailable == 1
	}, "OnDelete: the status sees the new template, the pod stays")
	pods := daemonPods(t, cs, ns, "app=surge")
	if len(pods) != 1 || pods[0].Spec.Containers[0].Image != "busybox:1.37" {
		t.Fatalf("OnDelete replaced the pod: %d pods", len(pods))
	}
	c.Run("-n", ns, "delete", "pod", pods[0].Name)
	waitFor(t, func() bool {
		pods := daemonPods(t, cs, ns, "app=surge")
		return len(pods) == 1 && pods[0].Spec.Containers[0].Image == "busybox:1.38" && podReady(&pods[0])
	}, "OnDelete: a new pod of the new template after the delete")
}
