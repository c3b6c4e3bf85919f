package printers

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// defaultReplicas is what API defaulting stores for an omitted
// spec.replicas; an undefaulted object prints as the server would show it.
const defaultReplicas int32 = 1

// StatefulSets prints NAME READY AGE, and with -o wide CONTAINERS IMAGES.
func StatefulSets() Printer {
	return printer[appsv1.StatefulSet]{
		columns: columns(nameColumn(), column("Ready", "string", "Number of the pod with ready state"), ageColumn(), containersColumn(), imagesColumn()),
		cells: func(s *appsv1.StatefulSet, now time.Time) ([]any, error) {
			ready := fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, derefOr(s.Spec.Replicas, defaultReplicas))
			return append([]any{s.Name, ready, age(s.CreationTimestamp, now)}, templateCells(s.Spec.Template.Spec)...), nil
		},
	}
}

// Deployments prints NAME READY UP-TO-DATE AVAILABLE AGE, and with
// -o wide CONTAINERS IMAGES SELECTOR.
func Deployments() Printer {
	status := extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()
	return printer[appsv1.Deployment]{
		columns: columns(
			nameColumn(),
			column("Ready", "string", "Number of the pod with ready state"),
			column("Up-to-date", "string", status["updatedReplicas"]),
			column("Available", "string", status["availableReplicas"]),
			ageColumn(),
			containersColumn(), imagesColumn(),
			wideColumn("Selector", "string", extensionsv1beta1.DeploymentSpec{}.SwaggerDoc()["selector"]),
		),
		cells: deploymentCells,
	}
}

func deploymentCells(d *appsv1.Deployment, now time.Time) ([]any, error) {
	// Unlike other workloads Kubernetes prints an empty selector as "" here,
	// and an unparsable one as "<invalid>".
	selector := "<invalid>"
	if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
		selector = sel.String()
	}
	cells := []any{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, derefOr(d.Spec.Replicas, defaultReplicas)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		age(d.CreationTimestamp, now),
	}
	return append(append(cells, templateCells(d.Spec.Template.Spec)...), selector), nil
}

// ReplicaSets prints NAME DESIRED CURRENT READY AGE, and with -o wide
// CONTAINERS IMAGES SELECTOR.
func ReplicaSets() Printer {
	spec, status := extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc(), extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()
	return printer[appsv1.ReplicaSet]{
		columns: replicaColumns(spec, status),
		cells: func(rs *appsv1.ReplicaSet, now time.Time) ([]any, error) {
			return replicaCells(&rs.ObjectMeta, rs.Spec.Replicas, rs.Status.Replicas, rs.Status.ReadyReplicas,
				rs.Spec.Template.Spec, metav1.FormatLabelSelector(rs.Spec.Selector), now), nil
		},
	}
}

// ControllerRevisions prints NAME CONTROLLER REVISION AGE, where
// CONTROLLER is "kind.group/name" of the owning controller.
func ControllerRevisions() Printer {
	return printer[appsv1.ControllerRevision]{
		columns: columns(
			nameColumn(),
			column("Controller", "string", "Controller of the object"),
			column("Revision", "string", appsv1beta1.ControllerRevision{}.SwaggerDoc()["revision"]),
			ageColumn(),
		),
		cells: func(cr *appsv1.ControllerRevision, now time.Time) ([]any, error) {
			controller, err := controllerName(cr)
			if err != nil {
				return nil, err
			}
			return []any{cr.Name, controller, cr.Revision, age(cr.CreationTimestamp, now)}, nil
		},
	}
}

// controllerName formats the controlling owner as kubectl resource names
// look, e.g. "statefulset.apps/web", or "<none>" without a controller.
func controllerName(obj metav1.Object) (string, error) {
	ref := metav1.GetControllerOf(obj)
	if ref == nil {
		return none, nil
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return "", err
	}
	gk := gv.WithKind(ref.Kind).GroupKind()
	if gk.Empty() {
		return ref.Name, nil
	}
	return strings.ToLower(gk.String()) + "/" + ref.Name, nil
}
