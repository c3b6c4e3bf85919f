package registry

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/ordo-dev/ordo/internal/api/fieldsel"
	"github.com/ordo-dev/ordo/internal/api/scheme"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
)

// servedKind is one kind of the catalog, at one served version.
type servedKind struct {
	gvk schema.GroupVersionKind
	res *Resource
}

func servedKinds() []servedKind {
	var out []servedKind
	for gv, rs := range Catalog() {
		for _, r := range rs {
			out = append(out, servedKind{gv.WithKind(r.Kind), r})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].gvk.String() < out[j].gvk.String() })
	return out
}

// FuzzRequestBody sends any body, as a create or an update of any served
// kind, through what the API server does with it before etcd: decoding
// (JSON or YAML, into the kind the URL names), the scheme's defaults,
// ordo's create and update preparation and Kubernetes' validation. Bad
// input must come back as a decode error or field errors, never a panic.
func FuzzRequestBody(f *testing.F) {
	kinds := servedKinds()
	for i, k := range kinds {
		f.Add(uint8(i), []byte(fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":"a","namespace":"default"}}`, k.gvk.GroupVersion().String(), k.gvk.Kind)))
	}
	for _, body := range seedBodies {
		f.Add(uint8(kindIndex(kinds, body.gvk)), []byte(body.text))
	}
	set := scheme.New(SchemeGroups())
	decoder := set.Codecs.UniversalDeserializer()
	cfg := Config{Scheme: set.Scheme}
	ctx := genericapirequest.WithNamespace(context.Background(), "default")
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		// The URL names the kind; a body naming another is refused.
		k := kinds[int(which)%len(kinds)]
		obj, gvk, err := decoder.Decode(body, &k.gvk, nil)
		if err != nil || *gvk != k.gvk {
			return
		}
		if stored := k.res.New(); reflect.TypeOf(stored) != reflect.TypeOf(obj) {
			// events.k8s.io/v1 Events are stored as core/v1 Events.
			if err := set.Scheme.Convert(obj, stored, nil); err != nil {
				return
			}
			obj = stored
		}
		set.Scheme.Default(obj)
		create := newStrategy(k.res, cfg, false)
		create.PrepareForCreate(ctx, obj)
		_ = create.Validate(ctx, obj)
		_ = create.WarningsOnCreate(ctx, obj)
		upd := obj.DeepCopyObject()
		create.PrepareForUpdate(ctx, upd, obj)
		_ = create.ValidateUpdate(ctx, upd, obj)
		status := newStrategy(k.res, cfg, true)
		status.PrepareForUpdate(ctx, upd, obj)
		_ = status.ValidateUpdate(ctx, upd, obj)
		if _, err := runtime.Encode(set.Codecs.LegacyCodec(k.gvk.GroupVersion()), obj); err != nil {
			t.Fatalf("%s: a decoded object does not encode again: %v", k.gvk, err)
		}
	})
}

// seedBodies are richer requests, for the fuzzer to start from: the parts
// of a pod spec that have their own validation and defaults.
var seedBodies = []struct {
	gvk  schema.GroupVersionKind
	text string
}{
	{corev1.SchemeGroupVersion.WithKind("Pod"), `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"initContainers":[{"name":"i","image":"busybox","restartPolicy":"Always"}],"containers":[{"name":"c","image":"busybox","command":["sh","-c","echo $(A)"],"env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"ports":[{"containerPort":80,"name":"http"}],"livenessProbe":{"httpGet":{"port":"http","path":"/"},"periodSeconds":1},"volumeMounts":[{"name":"v","mountPath":"/v","subPathExpr":"$(A)"}],"resources":{"limits":{"cpu":"1","memory":"1Gi"}}}],"volumes":[{"name":"v","projected":{"sources":[{"configMap":{"name":"c"}},{"downwardAPI":{"items":[{"path":"l","fieldRef":{"fieldPath":"metadata.labels"}}]}},{"serviceAccountToken":{"path":"t","expirationSeconds":3600}}]}}],"securityContext":{"runAsUser":1000,"fsGroup":2000}}}`},
	{batchv1.SchemeGroupVersion.WithKind("CronJob"), `apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "*/10 * * * * *"
  timeZone: Europe/Berlin
  jobTemplate:
    spec:
      backoffLimitPerIndex: 1
      completionMode: Indexed
      completions: 3
      podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}
      template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}
`},
	{appsv1.SchemeGroupVersion.WithKind("StatefulSet"), `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"serviceName":"s","replicas":3,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"redis"}]}},"volumeClaimTemplates":[{"metadata":{"name":"d"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}],"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"}}}`},
	{corev1.SchemeGroupVersion.WithKind("Service"), `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":"http","nodePort":30080}],"selector":{"a":"b"},"sessionAffinity":"ClientIP"}}`},
	{corev1.SchemeGroupVersion.WithKind("Secret"), `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"kubernetes.io/dockerconfigjson","stringData":{".dockerconfigjson":"{}"}}`},
	{rbacv1.SchemeGroupVersion.WithKind("ClusterRole"), `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"r"},"aggregationRule":{"clusterRoleSelectors":[{"matchExpressions":[{"key":"a","operator":"In","values":["b"]}]}]},"rules":[{"verbs":["get"],"nonResourceURLs":["/healthz"]}]}`},
}

func kindIndex(kinds []servedKind, gvk schema.GroupVersionKind) int {
	for i, k := range kinds {
		if k.gvk == gvk {
			return i
		}
	}
	panic("not served: " + gvk.String())
}

// FuzzSelectors sends any labelSelector and fieldSelector, as a list or
// watch of any served kind would bring them, through parsing, the field
// label conversion of the kind's version and matching against an object
// of that kind. A selector is refused with an error or matches; the field
// labels that pass conversion are ones the kind supports.
func FuzzSelectors(f *testing.F) {
	kinds := servedKinds()
	for i, sel := range []struct{ labels, fields string }{
		{"app=web,tier!=db", "metadata.name=a"},
		{"env in (prod, qa),!canary", "status.phase!=Running,spec.nodeName="},
		{"a", "involvedObject.kind=Pod,reason=Failed"},
		{"x notin (y)", "spec.unschedulable=false"},
		{"", "status.successful=1"},
		{"k8s.io/a=b", "type=kubernetes.io/service-account-token"},
	} {
		f.Add(uint8(i*7), sel.labels, sel.fields)
	}
	set := scheme.New(SchemeGroups())
	f.Fuzz(func(t *testing.T, which uint8, labelSel, fieldSel string) {
		k := kinds[int(which)%len(kinds)]
		ls, err := labels.Parse(labelSel)
		if err != nil {
			return
		}
		fs, err := fields.ParseSelector(fieldSel)
		if err != nil {
			return
		}
		fs, err = fs.Transform(func(field, value string) (string, string, error) {
			return set.Scheme.ConvertFieldLabel(k.gvk, field, value)
		})
		if err != nil {
			return
		}
		obj := k.res.New()
		m, _ := meta.Accessor(obj)
		m.SetName("a")
		m.SetLabels(map[string]string{"app": "web"})
		if k.res.Namespaced {
			m.SetNamespace("default")
		}
		gk := k.gvk.GroupKind()
		for _, r := range fs.Requirements() {
			if !fieldsel.Supported(gk, r.Field) {
				t.Fatalf("%s: field label %q passed conversion but is not supported", k.gvk, r.Field)
			}
		}
		pred := predicate(gk, k.res.Namespaced, ls, fs)
		if _, err := pred.Matches(obj); err != nil {
			t.Fatalf("%s: matching %q %q: %v", k.gvk, labelSel, fieldSel, err)
		}
	})
}
