package podenv

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// addEnv applies the container's env entries in order. A literal value is
// expanded against what env holds at that point (service links, envFrom and
// earlier entries), which is why a reference to a later entry stays
// unexpanded. A valueFrom result is never expanded. An optional reference to
// a missing object or key leaves the name as it was (possibly unset).
func (r *resolver) addEnv(env *envList) error {
	for _, v := range r.in.Container.Env {
		if v.Value != "" || v.ValueFrom == nil {
			env.set(v.Name, Expand(v.Value, env.lookup))
			continue
		}
		value, ok, err := r.valueFrom(v.ValueFrom)
		if err != nil {
			return err
		}
		if ok {
			env.set(v.Name, value)
		}
	}
	return nil
}

// valueFrom resolves one env source. ok is false when an optional reference
// points at nothing.
func (r *resolver) valueFrom(src *corev1.EnvVarSource) (value string, ok bool, err error) {
	switch {
	case src.FieldRef != nil:
		value, err = fieldRefValue(src.FieldRef, r.in.Pod)
		return value, err == nil, err
	case src.ResourceFieldRef != nil:
		value, err = resourceFieldValue(src.ResourceFieldRef, r.in.Pod, r.in.Container, r.in.Allocatable)
		return value, err == nil, err
	case src.ConfigMapKeyRef != nil:
		return r.configMapKey(src.ConfigMapKeyRef)
	case src.SecretKeyRef != nil:
		return r.secretKey(src.SecretKeyRef)
	case src.FileKeyRef != nil:
		// Reading a key from a file in an emptyDir needs the pod's volumes,
		// which this package does not see; failing beats a silent "".
		return "", false, fmt.Errorf("env valueFrom.fileKeyRef (volume %q) is not supported", src.FileKeyRef.VolumeName)
	}
	// An empty valueFrom: the kubelet sets the variable to "".
	return "", true, nil
}

// configMapKey reads one key of a ConfigMap, honouring optional for both a
// missing ConfigMap and a missing key.
func (r *resolver) configMapKey(sel *corev1.ConfigMapKeySelector) (string, bool, error) {
	optional := isTrue(sel.Optional)
	cm, err := r.cache.configMap(sel.Name, optional)
	if err != nil || cm == nil {
		return "", false, err
	}
	value, found := cm.Data[sel.Key]
	if !found {
		return "", false, missingKey(optional, sel.Key, "ConfigMap", r.in.Pod.Namespace, sel.Name)
	}
	return value, true, nil
}

// secretKey is configMapKey's twin for Secrets.
func (r *resolver) secretKey(sel *corev1.SecretKeySelector) (string, bool, error) {
	optional := isTrue(sel.Optional)
	s, err := r.cache.secret(sel.Name, optional)
	if err != nil || s == nil {
		return "", false, err
	}
	value, found := s.Data[sel.Key]
	if !found {
		return "", false, missingKey(optional, sel.Key, "Secret", r.in.Pod.Namespace, sel.Name)
	}
	return string(value), true, nil
}

// missingKey is nil for an optional reference and otherwise the kubelet's
// error text.
func missingKey(optional bool, key, kind, namespace, name string) error {
	if optional {
		return nil
	}
	return fmt.Errorf("couldn't find key %v in %s %v/%v", key, kind, namespace, name)
}
