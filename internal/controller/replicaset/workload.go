package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// workload is the kind whose pods the controller keeps at spec.replicas:
// ReplicaSets, or ReplicationControllers seen as ReplicaSets, as
// Kubernetes' replication manager is the ReplicaSet controller run
// through a conversion. Everything past this adapter works on
// *appsv1.ReplicaSet.
type workload struct {
	kind     schema.GroupVersionKind
	informer cache.SharedIndexInformer
	get      func(ns, name string) (*appsv1.ReplicaSet, error)
	list     func(ns string) ([]*appsv1.ReplicaSet, error)
	fresh    func(ctx context.Context, ns, name string) (metav1.Object, error)
	// updateStatus writes the view's status to the object it stands for.
	updateStatus func(ctx context.Context, rs *appsv1.ReplicaSet) error
}

// kindNames are a workload's queue name (for the workqueue metrics) and
// event source, as Kubernetes names them, and how to build its adapter.
type kindNames struct {
	queue, component string
	workload         func(kubernetes.Interface, informers.SharedInformerFactory) workload
}

var (
	replicaSetKind            = kindNames{"replicaset", "replicaset-controller", replicaSets}
	replicationControllerKind = kindNames{"replicationmanager", "replication-controller", replicationControllers}
)

var rsKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

func replicaSets(client kubernetes.Interface, f informers.SharedInformerFactory) workload {
	lister := f.Apps().V1().ReplicaSets().Lister()
	return workload{
		kind:     rsKind,
		informer: f.Apps().V1().ReplicaSets().Informer(),
		get:      func(ns, name string) (*appsv1.ReplicaSet, error) { return lister.ReplicaSets(ns).Get(name) },
		list:     func(ns string) ([]*appsv1.ReplicaSet, error) { return lister.ReplicaSets(ns).List(labels.Everything()) },
		fresh: func(ctx context.Context, ns, name string) (metav1.Object, error) {
			return client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		},
		updateStatus: func(ctx context.Context, rs *appsv1.ReplicaSet) error {
			_, err := client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
			return err
		},
	}
}

var rcKind = corev1.SchemeGroupVersion.WithKind("ReplicationController")

func replicationControllers(client kubernetes.Interface, f informers.SharedInformerFactory) workload {
	lister := f.Core().V1().ReplicationControllers().Lister()
	return workload{
		kind:     rcKind,
		informer: f.Core().V1().ReplicationControllers().Informer(),
		get: func(ns, name string) (*appsv1.ReplicaSet, error) {
			rc, err := lister.ReplicationControllers(ns).Get(name)
			if err != nil {
				return nil, err
			}
			return asReplicaSet(rc), nil
		},
		list: func(ns string) ([]*appsv1.ReplicaSet, error) {
			rcs, err := lister.ReplicationControllers(ns).List(labels.Everything())
			out := make([]*appsv1.ReplicaSet, 0, len(rcs))
			for _, rc := range rcs {
				out = append(out, asReplicaSet(rc))
			}
			return out, err
		},
		fresh: func(ctx context.Context, ns, name string) (metav1.Object, error) {
			return client.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
		},
		updateStatus: func(ctx context.Context, rs *appsv1.ReplicaSet) error {
			rc, err := lister.ReplicationControllers(rs.Namespace).Get(rs.Name)
			if err != nil {
				return err
			}
			updated := rc.DeepCopy()
			updated.Status = rcStatus(rs.Status)
			_, err = client.CoreV1().ReplicationControllers(rs.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
			return err
		},
	}
}

// asReplicaSet is a ReplicationController as a ReplicaSet: its selector
// map becomes matchLabels. The view keeps the RC's kind in its TypeMeta,
// so events recorded on it name the ReplicationController.
func asReplicaSet(rc *corev1.ReplicationController) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		TypeMeta:   metav1.TypeMeta{Kind: rcKind.Kind, APIVersion: rcKind.GroupVersion().String()},
		ObjectMeta: *rc.ObjectMeta.DeepCopy(),
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        rc.Spec.Replicas,
			MinReadySeconds: rc.Spec.MinReadySeconds,
			Selector:        &metav1.LabelSelector{MatchLabels: rc.Spec.Selector},
		},
		Status: appsv1.ReplicaSetStatus{
			Replicas: rc.Status.Replicas, FullyLabeledReplicas: rc.Status.FullyLabeledReplicas,
			ReadyReplicas: rc.Status.ReadyReplicas, AvailableReplicas: rc.Status.AvailableReplicas,
			ObservedGeneration: rc.Status.ObservedGeneration,
		},
	}
	if rc.Spec.Template != nil {
		rs.Spec.Template = *rc.Spec.Template.DeepCopy()
	}
	for _, c := range rc.Status.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetConditionType(c.Type), Status: c.Status, LastTransitionTime: c.LastTransitionTime,
			Reason: c.Reason, Message: c.Message})
	}
	return rs
}

// rcStatus is a ReplicaSet status as a ReplicationController's
// (ReplicaFailure is the same condition type in both).
func rcStatus(st appsv1.ReplicaSetStatus) corev1.ReplicationControllerStatus {
	out := corev1.ReplicationControllerStatus{
		Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas, ReadyReplicas: st.ReadyReplicas,
		AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration,
	}
	for _, c := range st.Conditions {
		out.Conditions = append(out.Conditions, corev1.ReplicationControllerCondition{
			Type: corev1.ReplicationControllerConditionType(c.Type), Status: c.Status, LastTransitionTime: c.LastTransitionTime,
			Reason: c.Reason, Message: c.Message})
	}
	return out
}
