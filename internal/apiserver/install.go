package apiserver

import (
	"sort"

	"github.com/ordo-dev/ordo/internal/registry"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// installAPIs serves every resource of the registry catalog: the core group
// under /api, every other group under /apis. A kind's older versions
// (batch/v1beta1 CronJobs) share its storage; the scheme converts. The
// review groups and metrics.k8s.io (read from the nodes' agents) store
// nothing.
func installAPIs(s *genericapiserver.GenericAPIServer, c Config, opts generic.RESTOptionsGetter) error {
	groups := map[string]*genericapiserver.APIGroupInfo{}
	catalog := registry.Catalog()
	for _, gv := range sortedVersions(catalog) {
		info, ok := groups[gv.Group]
		if !ok {
			// The scheme's parameter codec also reads subresource options
			// (pods/log) from the query.
			i := genericapiserver.NewDefaultAPIGroupInfo(gv.Group, c.Scheme.Scheme, runtime.NewParameterCodec(c.Scheme.Scheme), c.Scheme.Codecs)
			info = &i
			groups[gv.Group] = info
		}
		storage := map[string]rest.Storage{}
		for _, r := range catalog[gv] {
			built, err := registry.Build(r, c.Registry, opts)
			if err != nil {
				return err
			}
			for k, v := range built {
				storage[k] = v
			}
		}
		info.VersionedResourcesStorageMap[gv.Version] = storage
		addOlderVersions(info, catalog[gv], storage)
	}
	reviews := genericapiserver.NewDefaultAPIGroupInfo(authorizationv1.GroupName, c.Scheme.Scheme, runtime.NewParameterCodec(c.Scheme.Scheme), c.Scheme.Codecs)
	reviews.VersionedResourcesStorageMap[authorizationv1.SchemeGroupVersion.Version] = registry.AccessReviewStorage(c.Registry.Authorizer)
	groups[authorizationv1.GroupName] = &reviews
	whoami := genericapiserver.NewDefaultAPIGroupInfo(authenticationv1.GroupName, c.Scheme.Scheme, runtime.NewParameterCodec(c.Scheme.Scheme), c.Scheme.Codecs)
	authn := registry.SelfSubjectReviewStorage()
	for k, v := range registry.TokenReviewStorage(c.Registry.TokenAuthenticator, c.Registry.APIAudiences) {
		authn[k] = v
	}
	whoami.VersionedResourcesStorageMap[authenticationv1.SchemeGroupVersion.Version] = authn
	groups[authenticationv1.GroupName] = &whoami
	if c.Registry.Metrics != nil {
		metrics := genericapiserver.NewDefaultAPIGroupInfo(metricsv1beta1.GroupName, c.Scheme.Scheme, runtime.NewParameterCodec(c.Scheme.Scheme), c.Scheme.Codecs)
		metrics.VersionedResourcesStorageMap[metricsv1beta1.SchemeGroupVersion.Version] = registry.MetricsStorage(c.Registry.Metrics)
		groups[metricsv1beta1.GroupName] = &metrics
	}
	if err := s.InstallLegacyAPIGroup(genericapiserver.DefaultLegacyAPIPrefix, groups[""]); err != nil {
		return err
	}
	delete(groups, "")
	var rest []*genericapiserver.APIGroupInfo
	for _, name := range sortedKeys(groups) {
		rest = append(rest, groups[name])
	}
	return s.InstallAPIGroups(rest...)
}

// addOlderVersions serves each kind's AlsoServedIn versions from its
// storage: the main resource and its status (other subresources had kinds
// of their own in those versions, like apps/v1beta1's Scale).
func addOlderVersions(info *genericapiserver.APIGroupInfo, kinds []*registry.Resource, storage map[string]rest.Storage) {
	for _, r := range kinds {
		for _, v := range r.AlsoServedIn {
			m := info.VersionedResourcesStorageMap[v]
			if m == nil {
				m = map[string]rest.Storage{}
				info.VersionedResourcesStorageMap[v] = m
			}
			plural := r.GroupResource.Resource
			m[plural] = storage[plural]
			if s, ok := storage[plural+"/status"]; ok {
				m[plural+"/status"] = s
			}
		}
	}
}

func sortedVersions(m map[schema.GroupVersion][]*registry.Resource) []schema.GroupVersion {
	out := make([]schema.GroupVersion, 0, len(m))
	for gv := range m {
		out = append(out, gv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func sortedKeys(m map[string]*genericapiserver.APIGroupInfo) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
