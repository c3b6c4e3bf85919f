package podenv

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeSources serves ConfigMaps and Secrets from maps keyed "namespace/name"
// and answers like the API would: a NotFound with the plural resource name.
type fakeSources struct {
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	err        error          // returned for every read when set
	reads      map[string]int // "configmap/ns/name" -> number of reads
}

func (f *fakeSources) count(key string) {
	if f.reads == nil {
		f.reads = map[string]int{}
	}
	f.reads[key]++
}

func (f *fakeSources) ConfigMap(namespace, name string) (*corev1.ConfigMap, error) {
	f.count("configmap/" + namespace + "/" + name)
	if f.err != nil {
		return nil, f.err
	}
	if cm, ok := f.configMaps[namespace+"/"+name]; ok {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
}

func (f *fakeSources) Secret(namespace, name string) (*corev1.Secret, error) {
	f.count("secret/" + namespace + "/" + name)
	if f.err != nil {
		return nil, f.err
	}
	if s, ok := f.secrets[namespace+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

// standardSources holds the objects most cases refer to, all in "default".
func standardSources() *fakeSources {
	return &fakeSources{
		configMaps: map[string]*corev1.ConfigMap{
			"default/app-config": {
				ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app-config"},
				Data: map[string]string{
					"LOG_LEVEL": "debug",
					"MODE":      "fast",
					"1st":       "first",        // starts with a digit: invalid unless prefixed
					"a.b-c":     "dotted",       // valid: '.', '-' are allowed
					"..hidden":  "dot-dot",      // invalid: Kubernetes rejects a ".." start
					"TEMPLATE":  "$(LOG_LEVEL)", // valueFrom and envFrom values are never expanded
				},
			},
			"default/overrides": {
				ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "overrides"},
				Data:       map[string]string{"MODE": "slow"},
			},
		},
		secrets: map[string]*corev1.Secret{
			"default/db": {
				ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
				Data:       map[string][]byte{"password": []byte("s3cr3t"), "user": []byte("admin")},
			},
			"default/redis-test": {
				ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "redis-test"},
				Data:       map[string][]byte{"redis-password": []byte("p@ss$(word)")},
			},
		},
	}
}

func testPod() *corev1.Pod {
	grace := int64(45)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-0", Namespace: "default", UID: "0b1c-uid",
			Labels:      map[string]string{"app": "web", "app.kubernetes.io/tier": "front"},
			Annotations: map[string]string{"owner": "team-a"},
		},
		Spec: corev1.PodSpec{
			NodeName: "node-1", ServiceAccountName: "builder",
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "sidecar",
				Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
			}},
		},
		Status: corev1.PodStatus{
			HostIP:  "192.168.1.5",
			HostIPs: []corev1.HostIP{{IP: "192.168.1.5"}, {IP: "fd00::5"}},
			PodIP:   "10.42.0.7",
			PodIPs:  []corev1.PodIP{{IP: "10.42.0.7"}, {IP: "fd42::7"}},
		},
	}
}

func optional() *bool { b := true; return &b }

func lit(name, value string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: value} }

func from(name string, src corev1.EnvVarSource) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &src}
}

func cmKey(cm, key string, opt *bool) corev1.EnvVarSource {
	return corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: cm}, Key: key, Optional: opt}}
}

func secretKey(secret, key string, opt *bool) corev1.EnvVarSource {
	return corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key, Optional: opt}}
}

func field(path string) corev1.EnvVarSource {
	return corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}
}

func res(container, name, divisor string) corev1.EnvVarSource {
	sel := &corev1.ResourceFieldSelector{ContainerName: container, Resource: name}
	if divisor != "" {
		sel.Divisor = resource.MustParse(divisor)
	}
	return corev1.EnvVarSource{ResourceFieldRef: sel}
}

func cmFrom(name, prefix string, opt *bool) corev1.EnvFromSource {
	return corev1.EnvFromSource{Prefix: prefix, ConfigMapRef: &corev1.ConfigMapEnvSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Optional: opt}}
}

func secretFrom(name, prefix string, opt *bool) corev1.EnvFromSource {
	return corev1.EnvFromSource{Prefix: prefix, SecretRef: &corev1.SecretEnvSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Optional: opt}}
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func quoted(list []string) string { return fmt.Sprintf("%q", list) }
