package registry

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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
	cj.Spec.JobTemplate.Spec.Template.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr.To(int64(999))}
	want := "ordo does not implement these fields yet and ignores them: spec.jobTemplate.spec.template.spec.securityContext.fsGroup"
	if w := s.WarningsOnUpdate(context.Background(), cj, cj); len(w) != 1 || w[0] != want {
		t.Errorf("warnings %v, want [%s]", w, want)
	}
	if w := (&strategy{res: s.res, status: true}).WarningsOnUpdate(context.Background(), cj, cj); len(w) != 0 {
		t.Errorf("a status write got warnings about the spec: %v", w)
	}
}
