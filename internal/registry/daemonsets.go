package registry

import (
	"context"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// TemplateGenerationAnnotation is where apps/v1 keeps a DaemonSet's
// template generation (the internal spec.templateGeneration of
// Kubernetes): 1 on create, one more at each change of the template. The
// controller labels pods with it (pod-template-generation).
const TemplateGenerationAnnotation = "deprecated.daemonset.template.generation"

var daemonSetHooks = Hooks{
	Warnings: podTemplateWarnings,
	PrepareForCreate: func(_ context.Context, obj runtime.Object) {
		ds := obj.(*appsv1.DaemonSet)
		setTemplateGeneration(ds, max(templateGeneration(ds), 1))
	},
	// Only the server moves the template generation, as in Kubernetes.
	PrepareForUpdate: func(obj, old runtime.Object) {
		ds, prev := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
		gen := templateGeneration(prev)
		if !equality.Semantic.DeepEqual(ds.Spec.Template, prev.Spec.Template) {
			gen++
		}
		setTemplateGeneration(ds, gen)
	},
}

func templateGeneration(ds *appsv1.DaemonSet) int64 {
	n, err := strconv.ParseInt(ds.Annotations[TemplateGenerationAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func setTemplateGeneration(ds *appsv1.DaemonSet, gen int64) {
	if gen == 0 {
		delete(ds.Annotations, TemplateGenerationAnnotation)
		return
	}
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[TemplateGenerationAnnotation] = strconv.FormatInt(gen, 10)
}
