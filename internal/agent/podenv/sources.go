package podenv

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The kubelet's object managers name these resources in the singular, so a
// missing object reads `configmap "x" not found` (not the API's plural
// `configmaps "x" not found`). Users search for that text; keep it.
var (
	configMapResource = schema.GroupResource{Resource: "configmap"}
	secretResource    = schema.GroupResource{Resource: "secret"}
)

// objectCache reads each ConfigMap and Secret at most once per Resolve, so
// that envFrom and env see the same version of an object, as in the kubelet.
type objectCache struct {
	src        Sources
	namespace  string
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
}

func newObjectCache(src Sources, namespace string) *objectCache {
	return &objectCache{
		src:        src,
		namespace:  namespace,
		configMaps: map[string]*corev1.ConfigMap{},
		secrets:    map[string]*corev1.Secret{},
	}
}

// configMap returns the named ConfigMap, or nil without error when it is
// missing and optional. A missing mandatory one is a NotFound error worded
// as the kubelet words it.
func (c *objectCache) configMap(name string, optional bool) (*corev1.ConfigMap, error) {
	if cm, ok := c.configMaps[name]; ok {
		return cm, nil
	}
	if c.src == nil {
		return nil, fmt.Errorf("couldn't get configMap %v/%v, no kubeClient defined", c.namespace, name)
	}
	cm, err := c.src.ConfigMap(c.namespace, name)
	if cm == nil && err == nil {
		err = apierrors.NewNotFound(configMapResource, name)
	}
	if err != nil {
		return nil, missing(err, configMapResource, name, optional)
	}
	c.configMaps[name] = cm
	return cm, nil
}

// secret is configMap's twin for Secrets.
func (c *objectCache) secret(name string, optional bool) (*corev1.Secret, error) {
	if s, ok := c.secrets[name]; ok {
		return s, nil
	}
	if c.src == nil {
		return nil, fmt.Errorf("couldn't get secret %v/%v, no kubeClient defined", c.namespace, name)
	}
	s, err := c.src.Secret(c.namespace, name)
	if s == nil && err == nil {
		err = apierrors.NewNotFound(secretResource, name)
	}
	if err != nil {
		return nil, missing(err, secretResource, name, optional)
	}
	c.secrets[name] = s
	return s, nil
}

// missing turns a lookup error into Resolve's answer: nil for an optional
// object that does not exist (only NotFound is forgiven, as in the kubelet),
// the kubelet's NotFound wording for a mandatory one, and any other error
// unchanged.
func missing(err error, gr schema.GroupResource, name string, optional bool) error {
	if !apierrors.IsNotFound(err) {
		return err
	}
	if optional {
		return nil
	}
	return apierrors.NewNotFound(gr, name)
}

// isTrue reads the API's optional *bool, where nil means false.
func isTrue(b *bool) bool {
	return b != nil && *b
}
