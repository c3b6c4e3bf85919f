package resource

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

// fakeAgents serves each node's Summary from an httptest server, and
// records which nodes were asked.
type fakeAgents struct {
	srv   *httptest.Server
	mu    sync.Mutex
	asked map[string]int
}

func newFakeAgents(t *testing.T, summaries map[string]*Summary) *fakeAgents {
	a := &fakeAgents{asked: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{node}"+SummaryPath, func(w http.ResponseWriter, r *http.Request) {
		s, ok := summaries[r.PathValue("node")]
		if !ok {
			http.Error(w, "broken agent", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(s)
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// Location points at the fake server; FetchSummary sets the path, so the
// transport prefixes it with /<node> for the server to tell nodes apart.
func (a *fakeAgents) Location(_ context.Context, node string) (*url.URL, http.RoundTripper, error) {
	a.mu.Lock()
	a.asked[node]++
	a.mu.Unlock()
	u, _ := url.Parse(a.srv.URL)
	return u, prefixTransport{prefix: "/" + node}, nil
}

type prefixTransport struct{ prefix string }

func (p prefixTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Path = p.prefix + r.URL.Path
	return http.DefaultTransport.RoundTrip(r)
}

func node(name string, ready corev1.ConditionStatus) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"zone": name}},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}},
	}
}

func runningPod(name, uid, nodeName string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(uid), Labels: map[string]string{"app": name}},
		Spec:       corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "c"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

func usageAt(cpu uint64) Usage {
	return Usage{Timestamp: t0, Window: 10 * time.Second, CPUNanoCores: cpu, MemoryWorkingSetBytes: 1 << 20}
}

func podUsage(name, uid string, cpu uint64) PodUsage {
	return PodUsage{Namespace: "ns", Name: name, UID: uid, Containers: []ContainerUsage{{Name: "c", Usage: usageAt(cpu)}}}
}

func TestReaderAsksReadyNodesAndMatchesPodsByUID(t *testing.T) {
	nodeUsage := usageAt(1e9)
	agents := newFakeAgents(t, map[string]*Summary{
		"a": {Node: &nodeUsage, Pods: []PodUsage{podUsage("p1", "u1", 1), podUsage("old", "stale-uid", 2),
			podUsage("done", "u4", 4), podUsage("initializing", "u6", 6)}},
		"notready": {Node: &nodeUsage, Pods: []PodUsage{podUsage("p3", "u3", 3)}},
		"fresh":    {Pods: []PodUsage{}}, // sampled once: no node figure yet
		// "broken" has no summary: its agent fails.
	})
	done := runningPod("done", "u4", "a")
	done.Status.Phase = corev1.PodSucceeded
	// Its init container runs: it has figures.
	initializing := runningPod("initializing", "u6", "a")
	initializing.Status.Phase = corev1.PodPending
	client := fake.NewSimpleClientset(
		node("a", corev1.ConditionTrue), node("notready", corev1.ConditionFalse),
		node("fresh", corev1.ConditionTrue), node("broken", corev1.ConditionTrue),
		runningPod("p1", "u1", "a"), runningPod("old", "new-uid", "a"),
		runningPod("p3", "u3", "notready"), runningPod("p5", "u5", "broken"), done, initializing,
	)
	r := &Reader{Client: client, Agents: agents, Clock: clocktesting.NewFakePassiveClock(t0)}
	ctx := context.Background()

	nodes, err := r.Nodes(ctx, labels.Everything())
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || nodes[0].Name != "a" || nodes[0].Usage.Cpu().String() != "1" || nodes[0].Labels["zone"] != "a" {
		t.Fatalf("node metrics = %+v; want only a's (notready is not Ready, fresh has no figure, broken fails)", nodes)
	}
	if agents.asked["notready"] != 0 {
		t.Errorf("the agent of a node that is not Ready was asked")
	}

	pods, err := r.Pods(ctx, "ns", metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pods {
		names = append(names, fmt.Sprintf("%s=%s", p.Name, p.Containers[0].Usage.Cpu()))
	}
	sort.Strings(names)
	if fmt.Sprint(names) != "[initializing=6n p1=1n]" {
		t.Errorf("pod metrics = %v; want [initializing=6n p1=1n] (old's figures are of another pod of that name, p3's node is not Ready, p5's agent fails, done has finished)", names)
	}

	if m, err := r.Pod(ctx, "ns", "p1"); err != nil || m == nil || m.Name != "p1" {
		t.Errorf("Pod(p1) = %+v, %v", m, err)
	}
	for _, name := range []string{"old", "nosuch", "done"} {
		if m, err := r.Pod(ctx, "ns", name); err != nil || m != nil {
			t.Errorf("Pod(%s) = %+v, %v; want no figures", name, m, err)
		}
	}
	if m, err := r.Node(ctx, "fresh"); err != nil || m != nil {
		t.Errorf("Node(fresh) = %+v, %v; want no figures", m, err)
	}
	if m, err := r.Node(ctx, "nosuch"); err != nil || m != nil {
		t.Errorf("Node(nosuch) = %+v, %v; want no figures", m, err)
	}

	selected, err := r.Nodes(ctx, labels.SelectorFromSet(labels.Set{"zone": "fresh"}))
	if err != nil || len(selected) != 0 {
		t.Errorf("Nodes(zone=fresh) = %+v, %v; want none", selected, err)
	}
}
