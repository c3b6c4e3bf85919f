package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// objects is the resource the phases drive: ConfigMaps, or custom
// resources of a CRD shaped like them (labels and a data map of strings),
// so the two can be compared at the same size. Each keeps the objects as
// last written, so updates carry their resourceVersions.
type objects interface {
	create(ctx context.Context, i int, labels map[string]string) error
	get(ctx context.Context, i int) error
	// list returns the items' count and the list's resourceVersion.
	list(ctx context.Context, opts metav1.ListOptions) (int, string, error)
	update(ctx context.Context, i int, sent string) error
	watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// configMaps are the default objects.
type configMaps struct {
	cs, watchCS kubernetes.Interface
	ns, payload string
	objs        []*corev1.ConfigMap
}

func (c *configMaps) create(ctx context.Context, i int, labels map[string]string) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: objName(i), Labels: labels}, Data: map[string]string{"payload": c.payload}}
	out, err := c.cs.CoreV1().ConfigMaps(c.ns).Create(ctx, cm, metav1.CreateOptions{})
	c.objs[i] = out
	return err
}

func (c *configMaps) get(ctx context.Context, i int) error {
	_, err := c.cs.CoreV1().ConfigMaps(c.ns).Get(ctx, objName(i), metav1.GetOptions{})
	return err
}

func (c *configMaps) list(ctx context.Context, opts metav1.ListOptions) (int, string, error) {
	l, err := c.cs.CoreV1().ConfigMaps(c.ns).List(ctx, opts)
	if err != nil {
		return 0, "", err
	}
	return len(l.Items), l.ResourceVersion, nil
}

func (c *configMaps) update(ctx context.Context, i int, sent string) error {
	cm := c.objs[i].DeepCopy()
	cm.Data["sent"] = sent
	out, err := c.cs.CoreV1().ConfigMaps(c.ns).Update(ctx, cm, metav1.UpdateOptions{})
	if err == nil {
		c.objs[i] = out
	}
	return err
}

func (c *configMaps) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return c.watchCS.CoreV1().ConfigMaps(c.ns).Watch(ctx, opts)
}

// benchCRD serves BenchObjects: a data map of strings, as a ConfigMap has.
var benchCRD = &apiextensionsv1.CustomResourceDefinition{
	ObjectMeta: metav1.ObjectMeta{Name: "benchobjects.bench.ordo.dev"},
	Spec: apiextensionsv1.CustomResourceDefinitionSpec{
		Group: "bench.ordo.dev",
		Scope: apiextensionsv1.NamespaceScoped,
		Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "benchobjects", Singular: "benchobject", Kind: "BenchObject", ListKind: "BenchObjectList"},
		Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
			Name: "v1", Served: true, Storage: true,
			Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
				Type: "object",
				Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"data": {Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{
						Schema: &apiextensionsv1.JSONSchemaProps{Type: "string"}}},
				},
			}},
		}},
	},
}

var benchObjects = schema.GroupVersionResource{Group: "bench.ordo.dev", Version: "v1", Resource: "benchobjects"}

// customResources are BenchObjects, through the dynamic client.
type customResources struct {
	dyn, watchDyn dynamic.Interface
	ns, payload   string
	objs          []*unstructured.Unstructured
}

// newCustomResources creates the CRD and waits until it serves.
func newCustomResources(ctx context.Context, cfg, watchCfg *rest.Config, ns, payload string, n int) (*customResources, error) {
	ext, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, benchCRD, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create CRD: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	watchDyn, err := dynamic.NewForConfig(watchCfg)
	if err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := dyn.Resource(benchObjects).Namespace(ns).List(ctx, metav1.ListOptions{Limit: 1})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the CRD is not served: %w", err)
		}
	}
	return &customResources{dyn: dyn, watchDyn: watchDyn, ns: ns, payload: payload, objs: make([]*unstructured.Unstructured, n)}, nil
}

func (c *customResources) create(ctx context.Context, i int, labels map[string]string) error {
	o := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "bench.ordo.dev/v1", "kind": "BenchObject",
		"data": map[string]any{"payload": c.payload},
	}}
	o.SetName(objName(i))
	o.SetLabels(labels)
	out, err := c.dyn.Resource(benchObjects).Namespace(c.ns).Create(ctx, o, metav1.CreateOptions{})
	c.objs[i] = out
	return err
}

func (c *customResources) get(ctx context.Context, i int) error {
	_, err := c.dyn.Resource(benchObjects).Namespace(c.ns).Get(ctx, objName(i), metav1.GetOptions{})
	return err
}

func (c *customResources) list(ctx context.Context, opts metav1.ListOptions) (int, string, error) {
	l, err := c.dyn.Resource(benchObjects).Namespace(c.ns).List(ctx, opts)
	if err != nil {
		return 0, "", err
	}
	return len(l.Items), l.GetResourceVersion(), nil
}

func (c *customResources) update(ctx context.Context, i int, sent string) error {
	o := c.objs[i].DeepCopy()
	if err := unstructured.SetNestedField(o.Object, sent, "data", "sent"); err != nil {
		return err
	}
	out, err := c.dyn.Resource(benchObjects).Namespace(c.ns).Update(ctx, o, metav1.UpdateOptions{})
	if err == nil {
		c.objs[i] = out
	}
	return err
}

func (c *customResources) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return c.watchDyn.Resource(benchObjects).Namespace(c.ns).Watch(ctx, opts)
}

// groupLabels are an object's labels: the "group" label makes a selective
// LIST match groupSize objects.
func groupLabels(i int) map[string]string {
	return map[string]string{"bench": "apilatency", "group": strconv.Itoa(i / groupSize)}
}
