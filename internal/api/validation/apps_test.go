package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestValidateStatefulSet(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *appsv1.StatefulSet)
		wants  []want
	}{
		{"valid", func(s *appsv1.StatefulSet) {}, nil},
		{"replicas", func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](-1) }, []want{inv("spec.replicas")}},
		{"selector required", func(s *appsv1.StatefulSet) { s.Spec.Selector = nil }, []want{req("spec.selector")}},
		{"selector empty", func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} }, []want{inv("spec.selector")}},
		{"selector mismatch", func(s *appsv1.StatefulSet) { s.Spec.Selector.MatchLabels = map[string]string{"app": "web"} },
			[]want{inv("spec.template.metadata.labels")}},
		{"pod management", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Chaotic" }, []want{inv("spec.podManagementPolicy")}},
		{"strategy type", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = "Never" }, []want{inv("spec.updateStrategy")}},
		{"OnDelete with rollingUpdate", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType },
			[]want{inv("spec.updateStrategy.rollingUpdate")}},
		{"partition", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](-1) },
			[]want{inv("spec.updateStrategy.rollingUpdate.partition")}},
		{"restartPolicy", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			[]want{notSup("spec.template.spec.restartPolicy")}},
		{"claim template", func(s *appsv1.StatefulSet) {
			s.Spec.VolumeClaimTemplates[0].Name = ""
			s.Spec.VolumeClaimTemplates[0].Spec.AccessModes = nil
		}, []want{req("spec.volumeClaimTemplates[0].metadata.name"), req("spec.volumeClaimTemplates[0].spec.accessModes")}},
		{"service name", func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "db.svc" }, []want{inv("spec.serviceName")}},
		{"mount of a claim template", func(s *appsv1.StatefulSet) { mountIn(s, "data") }, nil},
		{"mount of a claim template beside a volume", func(s *appsv1.StatefulSet) {
			s.Spec.Template.Spec.Volumes = append(s.Spec.Template.Spec.Volumes, corev1.Volume{Name: "conf",
				VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
			mountIn(s, "data")
			mountIn(s, "conf")
		}, nil},
		{"mount of neither a volume nor a claim template", func(s *appsv1.StatefulSet) { mountIn(s, "logs") },
			[]want{notFound("spec.template.spec.containers[0].volumeMounts[0].name")}},
		{"retention", func(s *appsv1.StatefulSet) { s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Shred" },
			[]want{notSup("spec.persistentVolumeClaimRetentionPolicy.whenScaled")}},
		{"min ready and ordinals", func(s *appsv1.StatefulSet) {
			s.Spec.MinReadySeconds = -1
			s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1}
		}, []want{inv("spec.minReadySeconds"), inv("spec.ordinals.start")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := validStatefulSet()
			tc.mutate(s)
			expectErrs(t, ValidateStatefulSet(s), tc.wants...)
			expectErrs(t, Create(s), tc.wants...)
		})
	}
}

// mountIn mounts the volume named name in the first container at /name.
func mountIn(s *appsv1.StatefulSet, name string) {
	c := &s.Spec.Template.Spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: "/" + name})
}

func TestValidateStatefulSetUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *appsv1.StatefulSet)
		wants  []want
	}{
		{"replicas", func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](5) }, nil},
		{"template", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "db:2" }, nil},
		{"strategy", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](2) }, nil},
		{"service name", func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "other" }, []want{forbidden("spec")}},
		{"claim templates", func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Spec.Resources = storageRequest("2Gi") },
			[]want{forbidden("spec")}},
		{"pod management", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement },
			[]want{forbidden("spec")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := validStatefulSet()
			rv(&old.ObjectMeta)
			s := old.DeepCopy()
			tc.mutate(s)
			errs := Update(s, old)
			expectErrs(t, errs, tc.wants...)
			if len(tc.wants) > 0 {
				expectDetail(t, errs, "spec", statefulSetUpdateForbiddenMsg)
			}
		})
	}
}

func TestStatefulSetStatusUpdate(t *testing.T) {
	old := validStatefulSet()
	rv(&old.ObjectMeta)
	s := old.DeepCopy()
	s.Status.Replicas = 2
	s.Status.ReadyReplicas = 3
	s.Status.CurrentReplicas = -1
	expectErrs(t, StatusUpdate(s, old), inv("status.readyReplicas"), inv("status.currentReplicas"))
}

func validDeployment() *appsv1.Deployment {
	lbls := map[string]string{"app": "web"}
	quarter := intstr.FromString("25%")
	return &appsv1.Deployment{
		ObjectMeta: objMeta("web"),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls}, Spec: validPodSpec(corev1.RestartPolicyAlways)},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &quarter, MaxSurge: &quarter}},
			RevisionHistoryLimit:    ptr.To[int32](10),
			ProgressDeadlineSeconds: ptr.To[int32](600),
		},
	}
}

func TestValidateDeployment(t *testing.T) {
	zero := intstr.FromInt32(0)
	cases := []struct {
		name   string
		mutate func(d *appsv1.Deployment)
		wants  []want
	}{
		{"valid", func(d *appsv1.Deployment) {}, nil},
		{"replicas", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](-1) }, []want{inv("spec.replicas")}},
		{"selector required", func(d *appsv1.Deployment) { d.Spec.Selector = nil }, []want{req("spec.selector")}},
		{"selector mismatch", func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "db"} },
			[]want{inv("spec.template.metadata.labels")}},
		{"restartPolicy", func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			[]want{notSup("spec.template.spec.restartPolicy")}},
		{"both zero", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = &zero
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = &zero
		}, []want{inv("spec.strategy.rollingUpdate.maxUnavailable")}},
		{"recreate with rolling", func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType },
			[]want{forbidden("spec.strategy.rollingUpdate")}},
		{"progress deadline", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 },
			[]want{inv("spec.progressDeadlineSeconds")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDeployment()
			tc.mutate(d)
			expectErrs(t, Create(d), tc.wants...)
		})
	}
}

func TestWorkloadSelectorImmutable(t *testing.T) {
	old := validDeployment()
	rv(&old.ObjectMeta)
	d := old.DeepCopy()
	d.Spec.Selector.MatchLabels["tier"] = "x"
	d.Spec.Template.Labels["tier"] = "x"
	expectErrs(t, Update(d, old), inv("spec.selector"))

	rsOld := &appsv1.ReplicaSet{ObjectMeta: old.ObjectMeta, Spec: appsv1.ReplicaSetSpec{
		Replicas: ptr.To[int32](1), Selector: old.Spec.Selector, Template: old.Spec.Template}}
	expectErrs(t, Create(rsOld))
	rs := rsOld.DeepCopy()
	rs.Spec.Selector = d.Spec.Selector
	rs.Spec.Template = d.Spec.Template
	expectErrs(t, Update(rs, rsOld), inv("spec.selector"))
	rs = rsOld.DeepCopy()
	rs.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	expectErrs(t, Update(rs, rsOld), notSup("spec.template.spec.restartPolicy"))
}

func TestControllerRevision(t *testing.T) {
	cr := &appsv1.ControllerRevision{ObjectMeta: objMeta("db-abc"), Revision: 1, Data: runtime.RawExtension{Raw: []byte(`{}`)}}
	expectErrs(t, Create(cr))
	bad := cr.DeepCopy()
	bad.Revision = -1
	bad.Data = runtime.RawExtension{}
	expectErrs(t, Create(bad), req("data"), inv("revision"))
	rv(&cr.ObjectMeta)
	upd := cr.DeepCopy()
	upd.Revision = 2
	expectErrs(t, Update(upd, cr))
	upd.Data = runtime.RawExtension{Raw: []byte(`{"a":1}`)}
	expectErrs(t, Update(upd, cr), inv("data"))
}
