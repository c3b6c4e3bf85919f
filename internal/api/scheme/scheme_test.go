package scheme_test

import (
	"github.com/ordo-dev/ordo/internal/api/scheme"
	"github.com/ordo-dev/ordo/internal/registry"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const cronJobV1beta1 = `apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: redis-bgrewriteaof-cron}
spec:
  schedule: "0 */2 * * *"
  startingDeadlineSeconds: 120
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: redis, image: redis, args: [redis-cli, BGREWRITEAOF]}]
`

func TestV1beta1CronJobDecodesToV1WithDefaultsAndBack(t *testing.T) {
	set := scheme.New(registry.SchemeGroups())
	obj, gvk, err := set.Codecs.UniversalDecoder(batchv1.SchemeGroupVersion).Decode([]byte(cronJobV1beta1), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cj, ok := obj.(*batchv1.CronJob)
	if !ok {
		t.Fatalf("decoded %T (%v), want *batchv1.CronJob", obj, gvk)
	}
	s := cj.Spec
	if s.Schedule != "0 */2 * * *" || *s.StartingDeadlineSeconds != 120 || s.ConcurrencyPolicy != batchv1.ForbidConcurrent ||
		*s.SuccessfulJobsHistoryLimit != 1 || *s.FailedJobsHistoryLimit != 1 || s.JobTemplate.Spec.Template.Spec.Containers[0].Args[1] != "BGREWRITEAOF" {
		t.Fatalf("converted spec: %+v", s)
	}
	back, err := set.Scheme.ConvertToVersion(cj, batchv1beta1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	if b := back.(*batchv1beta1.CronJob); b.Spec.Schedule != s.Schedule || b.Spec.ConcurrencyPolicy != batchv1beta1.ForbidConcurrent {
		t.Fatalf("back to v1beta1: %+v", b.Spec)
	}
}

func TestV1beta1StatefulSetGetsItsSelectorFromTheTemplate(t *testing.T) {
	set := scheme.New(registry.SchemeGroups())
	manifest := `apiVersion: apps/v1beta1
kind: StatefulSet
metadata: {name: redis-app}
spec:
  serviceName: redis-service
  replicas: 6
  template:
    metadata: {labels: {app: redis-app}}
    spec: {containers: [{name: redis, image: redis}]}
`
	obj, _, err := set.Codecs.UniversalDecoder(appsv1.SchemeGroupVersion).Decode([]byte(manifest), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ss := obj.(*appsv1.StatefulSet)
	if ss.Spec.Selector == nil || ss.Spec.Selector.MatchLabels["app"] != "redis-app" || *ss.Spec.Replicas != 6 ||
		ss.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType || ss.Labels["app"] != "redis-app" {
		t.Fatalf("v1beta1 defaults not applied before conversion: %+v", ss.Spec)
	}
	back, err := set.Scheme.ConvertToVersion(ss, appsv1beta1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	if b := back.(*appsv1beta1.StatefulSet); b.Spec.ServiceName != "redis-service" || *b.Spec.Replicas != 6 {
		t.Fatalf("back to v1beta1: %+v", b.Spec)
	}
}

func TestCoreAndEventsV1EventsConvert(t *testing.T) {
	set := scheme.New(registry.SchemeGroups())
	core := &corev1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: "Job", Name: "pi"},
		Message:        "Job completed", Reason: "Completed", Count: 2,
		Source: corev1.EventSource{Component: "job-controller", Host: "node-a"},
		Series: &corev1.EventSeries{Count: 2},
	}
	out, err := set.Scheme.ConvertToVersion(core, eventsv1.SchemeGroupVersion)
	if err != nil {
		t.Fatal(err)
	}
	ev := out.(*eventsv1.Event)
	if ev.Regarding.Name != "pi" || ev.Note != "Job completed" || ev.ReportingController != "job-controller" || ev.ReportingInstance != "node-a" || ev.DeprecatedCount != 2 || ev.Series.Count != 2 {
		t.Fatalf("core → events.k8s.io: %+v", ev)
	}
	internal, err := set.Scheme.ConvertToVersion(&eventsv1.Event{Regarding: corev1.ObjectReference{Name: "x"}, Note: "n", ReportingController: "c"}, schemaInternal("events.k8s.io"))
	if err != nil {
		t.Fatal(err)
	}
	if c := internal.(*corev1.Event); c.InvolvedObject.Name != "x" || c.Message != "n" || c.Source.Component != "c" {
		t.Fatalf("events.k8s.io → stored core event: %+v", c)
	}
}

func TestFieldLabelsAreCheckedPerKind(t *testing.T) {
	set := scheme.New(registry.SchemeGroups())
	conv := func(gv, kind, label string) (string, error) {
		gvk := schema.FromAPIVersionAndKind(gv, kind)
		l, _, err := set.Scheme.ConvertFieldLabel(gvk, label, "v")
		return l, err
	}
	if _, err := conv("v1", "Pod", "spec.nodeName"); err != nil {
		t.Error(err)
	}
	if _, err := conv("v1", "ConfigMap", "spec.nodeName"); err == nil {
		t.Error("spec.nodeName accepted for ConfigMaps")
	}
	if l, err := conv("events.k8s.io/v1", "Event", "regarding.name"); err != nil || l != "involvedObject.name" {
		t.Errorf("regarding.name → %q, %v", l, err)
	}
}

func schemaInternal(group string) schema.GroupVersion {
	return schema.GroupVersion{Group: group, Version: runtime.APIVersionInternal}
}
