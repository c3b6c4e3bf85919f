package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// validDaemonSet is a defaulted DaemonSet.
func validDaemonSet() *appsv1.DaemonSet {
	lbls := map[string]string{"name": "fluentd"}
	return &appsv1.DaemonSet{
		ObjectMeta: objMeta("fluentd"),
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls}, Spec: validPodSpec(corev1.RestartPolicyAlways)},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromInt32(0))}},
			RevisionHistoryLimit: ptr.To[int32](10),
		},
	}
}

func TestValidateDaemonSet(t *testing.T) {
	ru := func(mu, ms intstr.IntOrString) func(*appsv1.DaemonSet) {
		return func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &mu, MaxSurge: &ms}
		}
	}
	cases := []struct {
		name   string
		mutate func(d *appsv1.DaemonSet)
		wants  []want
	}{
		{"valid", func(d *appsv1.DaemonSet) {}, nil},
		{"selector required", func(d *appsv1.DaemonSet) { d.Spec.Selector = nil }, []want{req("spec.selector")}},
		{"selector empty", func(d *appsv1.DaemonSet) { d.Spec.Selector = &metav1.LabelSelector{} }, []want{inv("spec.selector")}},
		{"selector mismatch", func(d *appsv1.DaemonSet) { d.Spec.Selector.MatchLabels = map[string]string{"name": "other"} },
			[]want{inv("spec.template.metadata.labels")}},
		{"restartPolicy", func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			[]want{notSup("spec.template.spec.restartPolicy")}},
		{"activeDeadlineSeconds", func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) },
			[]want{inv("spec.template.spec.activeDeadlineSeconds")}},
		{"counts", func(d *appsv1.DaemonSet) {
			d.Spec.MinReadySeconds = -1
			d.Spec.RevisionHistoryLimit = ptr.To[int32](-1)
		}, []want{inv("spec.minReadySeconds"), inv("spec.revisionHistoryLimit")}},
		{"strategy type", func(d *appsv1.DaemonSet) { d.Spec.UpdateStrategy.Type = "Recreate" }, []want{notSup("spec.updateStrategy")}},
		{"OnDelete", func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
		}, nil},
		{"rollingUpdate required", func(d *appsv1.DaemonSet) { d.Spec.UpdateStrategy.RollingUpdate = nil },
			[]want{req("spec.updateStrategy.rollingUpdate")}},
		{"surge only", ru(intstr.FromInt32(0), intstr.FromString("10%")), nil},
		{"both non-zero", ru(intstr.FromInt32(1), intstr.FromInt32(1)), []want{inv("spec.updateStrategy.rollingUpdate.maxSurge")}},
		{"both zero", ru(intstr.FromInt32(0), intstr.FromString("0%")), []want{req("spec.updateStrategy.rollingUpdate.maxUnavailable")}},
		{"negative", ru(intstr.FromInt32(-1), intstr.FromInt32(0)), []want{inv("spec.updateStrategy.rollingUpdate.maxUnavailable")}},
		{"over 100%", ru(intstr.FromString("101%"), intstr.FromInt32(0)), []want{inv("spec.updateStrategy.rollingUpdate.maxUnavailable")}},
		{"bad percent", ru(intstr.FromInt32(0), intstr.FromString("ten")), []want{inv("spec.updateStrategy.rollingUpdate.maxSurge"),
			req("spec.updateStrategy.rollingUpdate.maxUnavailable")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDaemonSet()
			tc.mutate(d)
			expectErrs(t, ValidateDaemonSet(d), tc.wants...)
		})
	}
	d := validDaemonSet()
	ru(intstr.FromInt32(1), intstr.FromInt32(1))(d)
	expectDetail(t, ValidateDaemonSet(d), "spec.updateStrategy.rollingUpdate.maxSurge", "may not be set when maxUnavailable is non-zero")
	d = validDaemonSet()
	d.Spec.Selector = &metav1.LabelSelector{}
	expectDetail(t, ValidateDaemonSet(d), "spec.selector", "empty selector is invalid for daemonset")
}

func TestValidateDaemonSetUpdate(t *testing.T) {
	old := validDaemonSet()
	rv(&old.ObjectMeta)
	d := old.DeepCopy()
	d.Spec.Template.Spec.Containers[0].Image = "fluentd:2"
	expectErrs(t, ValidateDaemonSetUpdate(d, old))
	d.Spec.Selector.MatchLabels = map[string]string{"name": "fluentd", "x": "y"}
	d.Spec.Template.Labels = map[string]string{"name": "fluentd", "x": "y"}
	expectErrs(t, ValidateDaemonSetUpdate(d, old), inv("spec.selector"))

	st := old.DeepCopy()
	st.Status = appsv1.DaemonSetStatus{NumberReady: -1, CollisionCount: ptr.To[int32](0)}
	old.Status.CollisionCount = ptr.To[int32](2)
	expectErrs(t, ValidateDaemonSetStatusUpdate(st, old), inv("status.numberReady"), inv("status.collisionCount"))
}

func validRC() *corev1.ReplicationController {
	lbls := map[string]string{"app": "nginx"}
	return &corev1.ReplicationController{
		ObjectMeta: objMeta("nginx"),
		Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](3), Selector: lbls,
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls}, Spec: validPodSpec(corev1.RestartPolicyAlways)}},
	}
}

func TestValidateReplicationController(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(rc *corev1.ReplicationController)
		wants  []want
	}{
		{"valid", func(*corev1.ReplicationController) {}, nil},
		{"selector required", func(rc *corev1.ReplicationController) { rc.Spec.Selector = nil }, []want{req("spec.selector")}},
		{"selector mismatch", func(rc *corev1.ReplicationController) { rc.Spec.Selector = map[string]string{"app": "web"} },
			[]want{inv("spec.template.metadata.labels")}},
		{"bad selector", func(rc *corev1.ReplicationController) { rc.Spec.Selector = map[string]string{"a b": "x"} },
			[]want{inv("spec.selector"), inv("spec.template.metadata.labels")}},
		{"template required", func(rc *corev1.ReplicationController) { rc.Spec.Template = nil }, []want{req("spec.template")}},
		{"replicas", func(rc *corev1.ReplicationController) { rc.Spec.Replicas = ptr.To[int32](-1) }, []want{inv("spec.replicas")}},
		{"restartPolicy", func(rc *corev1.ReplicationController) {
			rc.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		},
			[]want{notSup("spec.template.spec.restartPolicy")}},
		{"activeDeadlineSeconds", func(rc *corev1.ReplicationController) { rc.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](1) },
			[]want{forbidden("spec.template.spec.activeDeadlineSeconds")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := validRC()
			tc.mutate(rc)
			expectErrs(t, ValidateReplicationController(rc), tc.wants...)
		})
	}
	old := validRC()
	rv(&old.ObjectMeta)
	rc := old.DeepCopy()
	rc.Spec.Selector = map[string]string{"app": "nginx", "v": "2"}
	rc.Spec.Template.Labels = map[string]string{"app": "nginx", "v": "2"}
	expectErrs(t, ValidateReplicationControllerUpdate(rc, old)) // an RC's selector may change
	rc.Status = corev1.ReplicationControllerStatus{Replicas: 1, ReadyReplicas: 2}
	expectErrs(t, ValidateReplicationControllerStatusUpdate(rc, old), inv("status.readyReplicas"))
}

func TestValidatePodTemplate(t *testing.T) {
	pt := &corev1.PodTemplate{ObjectMeta: objMeta("tmpl"), Template: corev1.PodTemplateSpec{Spec: validPodSpec(corev1.RestartPolicyNever)}}
	expectErrs(t, ValidatePodTemplate(pt))
	pt.Template.Spec.Containers = nil
	pt.Name = "Bad_Name"
	expectErrs(t, ValidatePodTemplate(pt), inv("metadata.name"), req("template.spec.containers"))
}
