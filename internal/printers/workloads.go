package printers

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// DaemonSets prints NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE
// SELECTOR AGE, and with -o wide CONTAINERS IMAGES SELECTOR, as Kubernetes.
func DaemonSets() Printer {
	spec, status := extensionsv1beta1.DaemonSetSpec{}.SwaggerDoc(), extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()
	return printer[appsv1.DaemonSet]{
		columns: columns(
			nameColumn(),
			column("Desired", "integer", status["desiredNumberScheduled"]),
			column("Current", "integer", status["currentNumberScheduled"]),
			column("Ready", "integer", status["numberReady"]),
			column("Up-to-date", "integer", status["updatedNumberScheduled"]),
			column("Available", "integer", status["numberAvailable"]),
			column("Node Selector", "string", corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]),
			ageColumn(),
			containersColumn(), imagesColumn(),
			wideColumn("Selector", "string", spec["selector"]),
		),
		cells: func(ds *appsv1.DaemonSet, now time.Time) ([]any, error) {
			st := ds.Status
			cells := []any{
				ds.Name,
				int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
				int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable),
				labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
				age(ds.CreationTimestamp, now),
			}
			return append(append(cells, templateCells(ds.Spec.Template.Spec)...), metav1.FormatLabelSelector(ds.Spec.Selector)), nil
		},
	}
}

// ReplicationControllers prints NAME DESIRED CURRENT READY AGE, and with
// -o wide CONTAINERS IMAGES SELECTOR (a plain label map).
func ReplicationControllers() Printer {
	spec, status := corev1.ReplicationControllerSpec{}.SwaggerDoc(), corev1.ReplicationControllerStatus{}.SwaggerDoc()
	return printer[corev1.ReplicationController]{
		columns: replicaColumns(spec, status),
		cells: func(rc *corev1.ReplicationController, now time.Time) ([]any, error) {
			var pod corev1.PodSpec
			if rc.Spec.Template != nil {
				pod = rc.Spec.Template.Spec
			}
			return replicaCells(&rc.ObjectMeta, rc.Spec.Replicas, rc.Status.Replicas, rc.Status.ReadyReplicas,
				pod, labels.FormatLabels(rc.Spec.Selector), now), nil
		},
	}
}

// PodTemplates prints NAME CONTAINERS IMAGES POD LABELS; unlike the
// workloads' these template columns are not wide-only.
func PodTemplates() Printer {
	return printer[corev1.PodTemplate]{
		columns: columns(
			nameColumn(),
			column("Containers", "string", "Names of each container in the template."),
			column("Images", "string", "Images referenced by each container in the template."),
			column("Pod Labels", "string", "The labels for the pod template."),
		),
		cells: func(pt *corev1.PodTemplate, _ time.Time) ([]any, error) {
			names, images := containerCells(pt.Template.Spec.Containers)
			return []any{pt.Name, names, images, labels.FormatLabels(pt.Template.Labels)}, nil
		},
	}
}

// replicaColumns are the columns of ReplicaSets and ReplicationControllers
// (kubectl prints both alike): NAME DESIRED CURRENT READY AGE, and with
// -o wide CONTAINERS IMAGES SELECTOR, described from the kind's spec and
// status docs.
func replicaColumns(spec, status map[string]string) []metav1.TableColumnDefinition {
	return columns(
		nameColumn(),
		column("Desired", "integer", spec["replicas"]),
		column("Current", "integer", status["replicas"]),
		column("Ready", "integer", status["readyReplicas"]),
		ageColumn(),
		containersColumn(), imagesColumn(),
		wideColumn("Selector", "string", spec["selector"]),
	)
}

// replicaCells are the cells of replicaColumns; replicas nil is the
// default of 1, and selector is already formatted.
func replicaCells(m *metav1.ObjectMeta, replicas *int32, current, ready int32, pod corev1.PodSpec, selector string, now time.Time) []any {
	cells := []any{
		m.Name,
		int64(derefOr(replicas, defaultReplicas)),
		int64(current),
		int64(ready),
		age(m.CreationTimestamp, now),
	}
	return append(append(cells, templateCells(pod)...), selector)
}
