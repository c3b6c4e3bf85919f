package podenv

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// resolver carries what the env steps of one Resolve call share.
type resolver struct {
	in    Input
	cache *objectCache
}

func newResolver(in Input) *resolver {
	return &resolver{in: in, cache: newObjectCache(in.Sources, in.Pod.Namespace)}
}

// addEnvFrom copies every envFrom source into env, in order, so that a later
// source overrides an earlier one and env entries (added next) override all
// of them. It returns the names it skipped as invalid.
func (r *resolver) addEnvFrom(env *envList) ([]string, error) {
	var skipped []string
	for _, src := range r.in.Container.EnvFrom {
		data, err := r.envFromData(src)
		if err != nil {
			return nil, err
		}
		skipped = append(skipped, addPrefixed(env, src.Prefix, data)...)
	}
	return skipped, nil
}

// envFromData reads the key/value pairs of one envFrom source; nil means an
// optional source that does not exist.
func (r *resolver) envFromData(src corev1.EnvFromSource) (map[string]string, error) {
	switch {
	case src.ConfigMapRef != nil:
		ref := src.ConfigMapRef
		cm, err := r.cache.configMap(ref.Name, isTrue(ref.Optional))
		if err != nil || cm == nil {
			return nil, err
		}
		return cm.Data, nil
	case src.SecretRef != nil:
		ref := src.SecretRef
		s, err := r.cache.secret(ref.Name, isTrue(ref.Optional))
		if err != nil || s == nil {
			return nil, err
		}
		return stringData(s.Data), nil
	}
	return nil, nil
}

// addPrefixed sets prefix+key for every pair of data, in sorted key order so
// the result does not depend on map iteration, and returns the names that are
// not environment variable names at all. Since Kubernetes 1.34 any printable
// ASCII but '=' is a name ("1-data-1", "$_-x"), and the API's checks of
// prefixes and keys leave nothing to skip; a name with '=' or a control
// character, from an object written before those checks, would corrupt the
// environment, so it is skipped and reported in an event, as the kubelet
// reported invalid names from 1.6 to 1.33.
func addPrefixed(env *envList, prefix string, data map[string]string) []string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var skipped []string
	for _, k := range keys {
		name := prefix + k
		if len(validation.IsRelaxedEnvVarName(name)) != 0 {
			skipped = append(skipped, name)
			continue
		}
		env.set(name, data[k])
	}
	return skipped
}

// stringData converts Secret bytes to strings, as the kubelet passes them.
func stringData(data map[string][]byte) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}
