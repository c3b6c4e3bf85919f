package registry

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"
)

// Labels Kubernetes puts on a Job's pods so its selector can match them.
const (
	LabelControllerUID       = "batch.kubernetes.io/controller-uid"
	LabelJobName             = "batch.kubernetes.io/job-name"
	LabelLegacyControllerUID = "controller-uid"
	LabelLegacyJobName       = "job-name"
)

var jobHooks = Hooks{
	PrepareForCreate: func(_ context.Context, obj runtime.Object) {
		generateJobSelector(obj.(*batchv1.Job))
	},
	OrphanByDefault: true,
	Warnings:        podTemplateWarnings,
	Main:            func(m *mainREST, _ Config) rest.Storage { return &jobREST{mainREST: m} },
}

// generateJobSelector labels the pod template with the Job's uid and name
// and selects on the uid, unless the user asked for a manual selector.
func generateJobSelector(j *batchv1.Job) {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return
	}
	uid := string(j.UID)
	if j.Spec.Template.Labels == nil {
		j.Spec.Template.Labels = map[string]string{}
	}
	for k, v := range map[string]string{
		LabelControllerUID: uid, LabelJobName: j.Name,
		LabelLegacyControllerUID: uid, LabelLegacyJobName: j.Name,
	} {
		j.Spec.Template.Labels[k] = v
	}
	j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{LabelControllerUID: uid}}
}

// jobREST warns, as Kubernetes does, that deleting a Job without a
// propagation policy keeps its pods.
type jobREST struct {
	*mainREST
}

func (r *jobREST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	if options == nil || (options.PropagationPolicy == nil && options.OrphanDependents == nil) {
		warning.AddWarning(ctx, "", "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning")
	}
	return r.Store.Delete(ctx, name, deleteValidation, options)
}
