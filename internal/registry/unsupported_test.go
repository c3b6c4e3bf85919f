package registry

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// A CronJob whose pods would ignore a field says so when it is written, with
// the field's path in the CronJob.
func TestCronJobTemplateFieldsOrdoIgnoresAreWarnedAbout(t *testing.T) {
	cj := &batchv1.CronJob{}
	cj.Spec.JobTemplate.Spec.Template.Spec.Containers = []corev1.Container{{Name: "backup"}}
	s := &strategy{res: &Resource{Hooks: Hooks{Warnings: podTemplateWarnings}}}
	if w := s.WarningsOnCreate(context.Background(), cj); len(w) != 0 {
		t.Fatalf("a plain CronJob got warnings: %v", w)
	}
	// fsGroup is implemented (no warning); seLinuxOptions are not.
	cj.Spec.JobTemplate.Spec.Template.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr.To(int64(999)),
		SELinuxOptions: &corev1.SELinuxOptions{Level: "s0:c1"}}
	want := "ordo does not implement these fields yet and ignores them: spec.jobTemplate.spec.template.spec.securityContext.seLinuxOptions"
	if w := s.WarningsOnUpdate(context.Background(), cj, cj); len(w) != 1 || w[0] != want {
		t.Errorf("warnings %v, want [%s]", w, want)
	}
	if w := (&strategy{res: s.res, status: true}).WarningsOnUpdate(context.Background(), cj, cj); len(w) != 0 {
		t.Errorf("a status write got warnings about the spec: %v", w)
	}
}

// A StatefulSet's template fields are named on write; maxUnavailable,
// which the controller honours, is not.
func TestStatefulSetFieldsOrdoIgnoresAreWarnedAbout(t *testing.T) {
	set := &appsv1.StatefulSet{}
	set.Spec.Template.Spec.Containers = []corev1.Container{{Name: "db"}}
	s := &strategy{res: resourceOfKind(appsGroup().Kinds, "StatefulSet")}
	half := intstr.FromString("50%")
	set.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{MaxUnavailable: &half}
	if w := s.WarningsOnCreate(context.Background(), set); len(w) != 0 {
		t.Fatalf("a plain StatefulSet with maxUnavailable 50%% got warnings: %v", w)
	}
	set.Spec.Template.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr.To[int64](1000),
		SELinuxOptions: &corev1.SELinuxOptions{Level: "s0:c1"}}
	want := "ordo does not implement these fields yet and ignores them: spec.template.spec.securityContext.seLinuxOptions"
	if w := s.WarningsOnCreate(context.Background(), set); len(w) != 1 || w[0] != want {
		t.Errorf("warnings %v, want [%s]", w, want)
	}
}

// A CronJob asking for a warm runner gets one: no warning.
func TestWarmRunnerAnnotationIsNotWarnedAbout(t *testing.T) {
	cj := &batchv1.CronJob{}
	cj.Annotations = map[string]string{"ordo.dev/runner": "warm"}
	cj.Spec.JobTemplate.Spec.Template.Spec.Containers = []corev1.Container{{Name: "run"}}
	s := &strategy{res: resourceOfKind(batchGroup().Kinds, "CronJob")}
	if w := s.WarningsOnCreate(context.Background(), cj); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}
