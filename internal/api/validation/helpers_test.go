package validation

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// want names one expected error by type and field path.
type want struct {
	typ  field.ErrorType
	path string
}

func (w want) String() string { return fmt.Sprintf("%s %s", w.typ, w.path) }

// Short constructors keep the tables readable.
func req(p string) want       { return want{field.ErrorTypeRequired, p} }
func inv(p string) want       { return want{field.ErrorTypeInvalid, p} }
func notSup(p string) want    { return want{field.ErrorTypeNotSupported, p} }
func forbidden(p string) want { return want{field.ErrorTypeForbidden, p} }
func dup(p string) want       { return want{field.ErrorTypeDuplicate, p} }
func notFound(p string) want  { return want{field.ErrorTypeNotFound, p} }
func tooLong(p string) want   { return want{field.ErrorTypeTooLong, p} }

// expectErrs asserts errs holds exactly the wanted (type, path) pairs, in
// any order, so a missing or an extra error both fail.
func expectErrs(t *testing.T, errs field.ErrorList, wants ...want) {
	t.Helper()
	got := make([]string, 0, len(errs))
	for _, e := range errs {
		got = append(got, want{e.Type, e.Field}.String())
	}
	exp := make([]string, 0, len(wants))
	for _, w := range wants {
		exp = append(exp, w.String())
	}
	sort.Strings(got)
	sort.Strings(exp)
	if strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Errorf("errors mismatch\n got: %q\nwant: %q\nfull: %v", got, exp, errs.ToAggregate())
	}
}

// expectDetail asserts one error at path carries exactly detail.
func expectDetail(t *testing.T, errs field.ErrorList, path, detail string) {
	t.Helper()
	for _, e := range errs {
		if e.Field == path && e.Detail == detail {
			return
		}
	}
	t.Errorf("no error at %s with detail %q in %v", path, detail, errs.ToAggregate())
}

func objMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default"}
}

// updated gives an object a resourceVersion, which updates must carry.
func rv(m *metav1.ObjectMeta) { m.ResourceVersion = "1" }

// validContainer is a container as the defaulter leaves it.
func validContainer(name string) corev1.Container {
	return corev1.Container{
		Name:                     name,
		Image:                    "busybox:1.36",
		ImagePullPolicy:          corev1.PullIfNotPresent,
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
	}
}

// validPodSpec is a defaulted pod spec with the given restart policy.
func validPodSpec(restart corev1.RestartPolicy) corev1.PodSpec {
	return corev1.PodSpec{
		Containers:                    []corev1.Container{validContainer("main")},
		RestartPolicy:                 restart,
		DNSPolicy:                     corev1.DNSClusterFirst,
		TerminationGracePeriodSeconds: ptr.To[int64](30),
		SecurityContext:               &corev1.PodSecurityContext{},
		SchedulerName:                 corev1.DefaultSchedulerName,
	}
}

func validPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: objMeta("web"), Spec: validPodSpec(corev1.RestartPolicyAlways)}
}

// validJob is a defaulted Job with its generated selector and labels.
func validJob() *batchv1.Job {
	lbls := map[string]string{batchv1.JobNameLabel: "pi", batchv1.ControllerUidLabel: "uid-1"}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default", UID: "uid-1", Labels: lbls},
		Spec: batchv1.JobSpec{
			Parallelism:          ptr.To[int32](1),
			Completions:          ptr.To[int32](1),
			BackoffLimit:         ptr.To[int32](6),
			CompletionMode:       ptr.To(batchv1.NonIndexedCompletion),
			Suspend:              ptr.To(false),
			PodReplacementPolicy: ptr.To(batchv1.TerminatingOrFailed),
			Selector:             &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: "uid-1"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec:       validPodSpec(corev1.RestartPolicyNever),
			},
		},
	}
}

func validCronJob() *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: objMeta("nightly"),
		Spec: batchv1.CronJobSpec{
			Schedule:                   "*/5 * * * *",
			ConcurrencyPolicy:          batchv1.AllowConcurrent,
			Suspend:                    ptr.To(false),
			SuccessfulJobsHistoryLimit: ptr.To[int32](3),
			FailedJobsHistoryLimit:     ptr.To[int32](1),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Template: corev1.PodTemplateSpec{Spec: validPodSpec(corev1.RestartPolicyOnFailure)},
			}},
		},
	}
}

func storageRequest(q string) corev1.VolumeResourceRequirements {
	return corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(q)}}
}

func validStatefulSet() *appsv1.StatefulSet {
	lbls := map[string]string{"app": "db"}
	return &appsv1.StatefulSet{
		ObjectMeta: objMeta("db"),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To[int32](3),
			Selector:            &metav1.LabelSelector{MatchLabels: lbls},
			ServiceName:         "db",
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type:          appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)},
			},
			RevisionHistoryLimit: ptr.To[int32](10),
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec:       validPodSpec(corev1.RestartPolicyAlways),
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   storageRequest("1Gi"),
					VolumeMode:  ptr.To(corev1.PersistentVolumeFilesystem),
				},
			}},
		},
	}
}
