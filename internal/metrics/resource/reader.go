package resource

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"k8s.io/utils/clock"
)

// Agents finds a node's agent: its base URL and the transport (with the
// API server's client certificate) to reach it.
type Agents interface {
	Location(ctx context.Context, node string) (*url.URL, http.RoundTripper, error)
}

// Reader answers metrics.k8s.io reads on the API server's side: it reads
// Nodes and Pods through Client and asks each Ready node's agent for its
// Summary, as metrics-server scrapes kubelets (but on demand: the agents
// keep the samples).
type Reader struct {
	Client kubernetes.Interface
	Agents Agents
	Clock  clock.PassiveClock
	// Timeout bounds one agent's answer; zero means 5 s.
	Timeout time.Duration
}

// Node is node name's metrics; nil when the node is not Ready or its agent
// has no figures yet.
func (r *Reader) Node(ctx context.Context, name string) (*metricsv1beta1.NodeMetrics, error) {
	node, err := r.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := r.nodes(ctx, []corev1.Node{*node})
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// Nodes are the metrics of the Ready nodes that selector matches; a node
// whose agent does not answer is left out (and logged).
func (r *Reader) Nodes(ctx context.Context, selector labels.Selector) ([]metricsv1beta1.NodeMetrics, error) {
	list, err := r.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, err
	}
	return r.nodes(ctx, list.Items), nil
}

func (r *Reader) nodes(ctx context.Context, nodes []corev1.Node) []metricsv1beta1.NodeMetrics {
	summaries := r.summaries(ctx, nodeNames(nodes))
	var out []metricsv1beta1.NodeMetrics
	for i := range nodes {
		s := summaries[nodes[i].Name]
		if s != nil && s.Node != nil && ready(&nodes[i]) {
			out = append(out, *NodeMetrics(&nodes[i], *s.Node, r.now()))
		}
	}
	return out
}

// Pod is pod namespace/name's metrics; nil when it has none (nothing
// running, not yet sampled, finished, or its node is not Ready).
func (r *Reader) Pod(ctx context.Context, namespace, name string) (*metricsv1beta1.PodMetrics, error) {
	pod, err := r.Client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out, err := r.pods(ctx, []corev1.Pod{*pod})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

// Pods are the metrics of the pods of namespace (all when empty) that opts'
// label and field selectors match; pods without figures are left out.
func (r *Reader) Pods(ctx context.Context, namespace string, opts metav1.ListOptions) ([]metricsv1beta1.PodMetrics, error) {
	list, err := r.Client.CoreV1().Pods(namespace).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return r.pods(ctx, list.Items)
}

func (r *Reader) pods(ctx context.Context, pods []corev1.Pod) ([]metricsv1beta1.PodMetrics, error) {
	// A pod that has finished runs nothing; any other scheduled pod may
	// (a Pending pod's init containers), and its agent reports only what
	// runs.
	wanted := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName != "" && !finished(&p) {
			wanted[p.Spec.NodeName] = true
		}
	}
	ready, err := r.readyNodes(ctx, wanted)
	if err != nil {
		return nil, err
	}
	summaries := r.summaries(ctx, ready)
	byUID := map[string]PodUsage{}
	for _, s := range summaries {
		for _, p := range s.Pods {
			byUID[p.UID] = p
		}
	}
	var out []metricsv1beta1.PodMetrics
	for i := range pods {
		u, ok := byUID[string(pods[i].UID)]
		if !ok || !wanted[pods[i].Spec.NodeName] || finished(&pods[i]) {
			continue
		}
		if m := PodMetrics(&pods[i], u, r.now()); len(m.Containers) > 0 {
			out = append(out, *m)
		}
	}
	return out, nil
}

// readyNodes are those of names whose Node is Ready.
func (r *Reader) readyNodes(ctx context.Context, names map[string]bool) ([]string, error) {
	var out []string
	for name := range names {
		n, err := r.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if ready(n) {
			out = append(out, name)
		}
	}
	return out, nil
}

// summaries asks the agents of nodes in parallel; a node whose agent
// fails is logged and left out, so one bad node does not hide the others.
func (r *Reader) summaries(ctx context.Context, nodes []string) map[string]*Summary {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out = map[string]*Summary{}
	)
	for _, name := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := r.summary(ctx, name)
			if err != nil {
				klog.FromContext(ctx).Info("Failed to read resource metrics from a node's agent", "node", name, "err", err)
				return
			}
			mu.Lock()
			out[name] = s
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (r *Reader) summary(ctx context.Context, node string) (*Summary, error) {
	base, transport, err := r.Agents.Location(ctx, node)
	if err != nil {
		return nil, err
	}
	return FetchSummary(ctx, base, transport)
}

func (r *Reader) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

func nodeNames(nodes []corev1.Node) []string {
	var out []string
	for _, n := range nodes {
		if ready(&n) {
			out = append(out, n.Name)
		}
	}
	return out
}

func finished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// ready: the node's Ready condition is True.
func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
