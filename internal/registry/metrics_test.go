package registry

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// oneNodeOnePod has figures for node n1 and pod ns/p only.
type oneNodeOnePod struct{ podOpts metav1.ListOptions }

func usage(cpu, mem string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
}

func (*oneNodeOnePod) Node(_ context.Context, name string) (*metricsv1beta1.NodeMetrics, error) {
	if name != "n1" {
		return nil, nil
	}
	return &metricsv1beta1.NodeMetrics{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Usage: usage("1500m", "2Gi"), Window: metav1.Duration{Duration: 10 * time.Second}}, nil
}

func (r *oneNodeOnePod) Nodes(ctx context.Context, _ labels.Selector) ([]metricsv1beta1.NodeMetrics, error) {
	n, _ := r.Node(ctx, "n1")
	m := *n
	m.Name = "n0"
	return []metricsv1beta1.NodeMetrics{*n, m}, nil
}

func (*oneNodeOnePod) Pod(_ context.Context, ns, name string) (*metricsv1beta1.PodMetrics, error) {
	if ns != "ns" || name != "p" {
		return nil, nil
	}
	return &metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
		Window:     metav1.Duration{Duration: 10 * time.Second},
		Containers: []metricsv1beta1.ContainerMetrics{{Name: "a", Usage: usage("100m", "10Mi")}, {Name: "b", Usage: usage("50m", "6Mi")}},
	}, nil
}

func (r *oneNodeOnePod) Pods(ctx context.Context, ns string, opts metav1.ListOptions) ([]metricsv1beta1.PodMetrics, error) {
	r.podOpts = opts
	p, _ := r.Pod(ctx, "ns", "p")
	return []metricsv1beta1.PodMetrics{*p}, nil
}

func TestMetricsStorage(t *testing.T) {
	reader := &oneNodeOnePod{}
	storage := MetricsStorage(reader)
	nodes, pods := storage["nodes"].(*nodeMetricsREST), storage["pods"].(*podMetricsREST)
	ctx := genericapirequest.WithNamespace(context.Background(), "ns")

	// NotFound in metrics-server's words.
	_, err := nodes.Get(ctx, "nosuch", &metav1.GetOptions{})
	if !apierrors.IsNotFound(err) || err.Error() != `nodemetrics.metrics.k8s.io "nosuch" not found` {
		t.Errorf("node NotFound: %v", err)
	}
	_, err = pods.Get(ctx, "nosuch", &metav1.GetOptions{})
	if !apierrors.IsNotFound(err) || err.Error() != `podmetrics.metrics.k8s.io "ns/nosuch" not found` {
		t.Errorf("pod NotFound: %v", err)
	}

	// Lists are sorted; a field selector on metadata.name picks nodes.
	list, err := nodes.List(ctx, &metainternalversion.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", "n1")})
	if err != nil || len(list.(*metricsv1beta1.NodeMetricsList).Items) != 1 {
		t.Fatalf("nodes with metadata.name=n1: %+v, %v", list, err)
	}
	list, _ = nodes.List(ctx, nil)
	if items := list.(*metricsv1beta1.NodeMetricsList).Items; len(items) != 2 || items[0].Name != "n0" {
		t.Errorf("nodes not sorted: %+v", items)
	}

	// Pod lists pass the selectors on to the pods' list.
	sel := labels.SelectorFromSet(labels.Set{"app": "x"})
	if _, err := pods.List(ctx, &metainternalversion.ListOptions{LabelSelector: sel, FieldSelector: fields.OneTermEqualSelector("metadata.name", "p")}); err != nil {
		t.Fatal(err)
	}
	if reader.podOpts.LabelSelector != "app=x" || reader.podOpts.FieldSelector != "metadata.name=p" {
		t.Errorf("pods listed with %+v", reader.podOpts)
	}

	// Tables as metrics-server prints them; a pod's row sums its containers.
	p, _ := pods.Get(ctx, "p", &metav1.GetOptions{})
	table, err := pods.ConvertToTable(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	if got := cols; len(got) != 4 || got[0] != "Name" || got[1] != "cpu" || got[2] != "memory" || got[3] != "Window" {
		t.Errorf("columns = %v", got)
	}
	if row := table.Rows[0].Cells; row[0] != "p" || row[1] != "150m" || row[2] != "16Mi" || row[3] != "10s" {
		t.Errorf("pod row = %v; want p 150m 16Mi 10s", row)
	}
	n, _ := nodes.Get(ctx, "n1", &metav1.GetOptions{})
	table, _ = nodes.ConvertToTable(ctx, n, nil)
	if row := table.Rows[0].Cells; row[0] != "n1" || row[1] != "1500m" || row[2] != "2Gi" {
		t.Errorf("node row = %v", row)
	}
}
