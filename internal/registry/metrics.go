package registry

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// MetricsReader reads the resource metrics of nodes and pods from the
// nodes' agents (resource.Reader). A nil object means no figures: not
// Ready, not running, or not sampled yet.
type MetricsReader interface {
	Node(ctx context.Context, name string) (*metricsv1beta1.NodeMetrics, error)
	Nodes(ctx context.Context, selector labels.Selector) ([]metricsv1beta1.NodeMetrics, error)
	Pod(ctx context.Context, namespace, name string) (*metricsv1beta1.PodMetrics, error)
	Pods(ctx context.Context, namespace string, opts metav1.ListOptions) ([]metricsv1beta1.PodMetrics, error)
}

// MetricsStorage serves metrics.k8s.io/v1beta1 nodes and pods, read-only
// (get and list, as metrics-server serves them): what `kubectl top` and
// the HorizontalPodAutoscaler read. Nothing is stored.
func MetricsStorage(r MetricsReader) map[string]rest.Storage {
	return map[string]rest.Storage{
		"nodes": &nodeMetricsREST{reader: r},
		"pods":  &podMetricsREST{reader: r},
	}
}

type nodeMetricsREST struct{ reader MetricsReader }

var (
	_ rest.Getter               = &nodeMetricsREST{}
	_ rest.Lister               = &nodeMetricsREST{}
	_ rest.Scoper               = &nodeMetricsREST{}
	_ rest.SingularNameProvider = &nodeMetricsREST{}
)

func (r *nodeMetricsREST) New() runtime.Object     { return &metricsv1beta1.NodeMetrics{} }
func (r *nodeMetricsREST) NewList() runtime.Object { return &metricsv1beta1.NodeMetricsList{} }
func (r *nodeMetricsREST) Destroy()                {}
func (r *nodeMetricsREST) NamespaceScoped() bool   { return false }
func (r *nodeMetricsREST) GetSingularName() string { return "node" }

// Get answers NotFound in metrics-server's words for a node without figures.
func (r *nodeMetricsREST) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	m, err := r.reader.Node(ctx, name)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, apierrors.NewNotFound(metricsv1beta1.Resource("nodemetrics"), name)
	}
	return m, nil
}

func (r *nodeMetricsREST) List(ctx context.Context, opts *metainternalversion.ListOptions) (runtime.Object, error) {
	labelSel, fieldSel := selectors(opts)
	items, err := r.reader.Nodes(ctx, labelSel)
	if err != nil {
		return nil, err
	}
	out := &metricsv1beta1.NodeMetricsList{Items: []metricsv1beta1.NodeMetrics{}}
	for _, m := range items {
		if fieldSel.Matches(fields.Set{"metadata.name": m.Name}) {
			out.Items = append(out.Items, m)
		}
	}
	sort.Slice(out.Items, func(i, j int) bool { return out.Items[i].Name < out.Items[j].Name })
	return out, nil
}

func (r *nodeMetricsREST) ConvertToTable(_ context.Context, obj runtime.Object, _ runtime.Object) (*metav1.Table, error) {
	t := metricsTable()
	switch o := obj.(type) {
	case *metricsv1beta1.NodeMetrics:
		t.Rows = append(t.Rows, metricsRow(o, o.Name, o.Usage, o.Window))
	case *metricsv1beta1.NodeMetricsList:
		for i := range o.Items {
			m := &o.Items[i]
			t.Rows = append(t.Rows, metricsRow(m, m.Name, m.Usage, m.Window))
		}
	default:
		return nil, fmt.Errorf("unexpected object %T", obj)
	}
	return t, nil
}

type podMetricsREST struct{ reader MetricsReader }

var (
	_ rest.Getter               = &podMetricsREST{}
	_ rest.Lister               = &podMetricsREST{}
	_ rest.Scoper               = &podMetricsREST{}
	_ rest.SingularNameProvider = &podMetricsREST{}
)

func (r *podMetricsREST) New() runtime.Object     { return &metricsv1beta1.PodMetrics{} }
func (r *podMetricsREST) NewList() runtime.Object { return &metricsv1beta1.PodMetricsList{} }
func (r *podMetricsREST) Destroy()                {}
func (r *podMetricsREST) NamespaceScoped() bool   { return true }
func (r *podMetricsREST) GetSingularName() string { return "pod" }

// Get answers NotFound in metrics-server's words ("namespace/name") for a
// pod without figures.
func (r *podMetricsREST) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	ns := genericapirequest.NamespaceValue(ctx)
	m, err := r.reader.Pod(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, apierrors.NewNotFound(metricsv1beta1.Resource("podmetrics"), ns+"/"+name)
	}
	return m, nil
}

// List reads the pods the selectors match (field selectors as the pods
// API takes them: metadata.name, metadata.namespace, ...) and keeps those
// with figures.
func (r *podMetricsREST) List(ctx context.Context, opts *metainternalversion.ListOptions) (runtime.Object, error) {
	labelSel, fieldSel := selectors(opts)
	items, err := r.reader.Pods(ctx, genericapirequest.NamespaceValue(ctx),
		metav1.ListOptions{LabelSelector: labelSel.String(), FieldSelector: fieldSel.String()})
	if err != nil {
		return nil, err
	}
	out := &metricsv1beta1.PodMetricsList{Items: items}
	if out.Items == nil {
		out.Items = []metricsv1beta1.PodMetrics{}
	}
	sort.Slice(out.Items, func(i, j int) bool {
		a, b := out.Items[i], out.Items[j]
		return a.Namespace < b.Namespace || a.Namespace == b.Namespace && a.Name < b.Name
	})
	return out, nil
}

func (r *podMetricsREST) ConvertToTable(_ context.Context, obj runtime.Object, _ runtime.Object) (*metav1.Table, error) {
	t := metricsTable()
	switch o := obj.(type) {
	case *metricsv1beta1.PodMetrics:
		t.Rows = append(t.Rows, metricsRow(o, o.Name, podUsage(o), o.Window))
	case *metricsv1beta1.PodMetricsList:
		for i := range o.Items {
			m := &o.Items[i]
			t.Rows = append(t.Rows, metricsRow(m, m.Name, podUsage(m), m.Window))
		}
	default:
		return nil, fmt.Errorf("unexpected object %T", obj)
	}
	return t, nil
}

func selectors(opts *metainternalversion.ListOptions) (labels.Selector, fields.Selector) {
	l, f := labels.Everything(), fields.Everything()
	if opts != nil && opts.LabelSelector != nil {
		l = opts.LabelSelector
	}
	if opts != nil && opts.FieldSelector != nil {
		f = opts.FieldSelector
	}
	return l, f
}

// metricsTable has metrics-server's columns: the name, each resource's
// usage (cpu, memory) and the window.
func metricsTable() *metav1.Table {
	return &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the resource"},
		{Name: "cpu", Type: "string", Format: "quantity"},
		{Name: "memory", Type: "string", Format: "quantity"},
		{Name: "Window", Type: "string", Format: "duration"},
	}}
}

func metricsRow(obj runtime.Object, name string, usage corev1.ResourceList, window metav1.Duration) metav1.TableRow {
	return metav1.TableRow{
		Cells:  []interface{}{name, usage.Cpu().String(), usage.Memory().String(), window.Duration.String()},
		Object: runtime.RawExtension{Object: obj},
	}
}

// podUsage is the sum of the pod's containers' usage.
func podUsage(m *metricsv1beta1.PodMetrics) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for _, c := range m.Containers {
		for k, v := range c.Usage {
			q := sum[k]
			q.Add(v)
			sum[k] = q
		}
	}
	return sum
}
