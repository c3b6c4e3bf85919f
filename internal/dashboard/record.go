package dashboard

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// objectRef is the object an action's event is about.
type objectRef = corev1.ObjectReference

// refTo is obj's reference for an event's involvedObject.
func refTo(obj metav1.Object, kind, apiVersion string) objectRef {
	return objectRef{Kind: kind, APIVersion: apiVersion, Namespace: obj.GetNamespace(), Name: obj.GetName(),
		UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion()}
}

// component is the events' source, as kubectl describe shows it ("From").
const component = "ordo-dashboard"

// record writes the action's Event with the server's own client: users
// who may act on an object usually may not write events (Kubernetes'
// edit role does not grant it), and the record must not depend on it.
func (d *Dashboard) record(ctx context.Context, res done, message string) error {
	c, err := kubernetes.NewForConfig(d.cfg.Loopback)
	if err != nil {
		return err
	}
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", res.ref.Name, time.Now().UnixNano()), Namespace: res.ref.Namespace},
		InvolvedObject:      res.ref,
		Reason:              res.reason,
		Message:             message,
		Type:                corev1.EventTypeNormal,
		Source:              corev1.EventSource{Component: component},
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		ReportingController: "ordo.dev/dashboard",
		ReportingInstance:   component,
	}
	_, err = c.CoreV1().Events(res.ref.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	return err
}
