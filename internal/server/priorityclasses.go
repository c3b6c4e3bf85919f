package server

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/api/validation"
)

// ensureSystemPriorityClasses creates system-cluster-critical and
// system-node-critical when missing, as kube-apiserver's scheduling
// bootstrap does at every start. One list finds the missing ones, as
// that bootstrap reads its informer: on a restart none is.
func ensureSystemPriorityClasses(ctx context.Context, c kubernetes.Interface) error {
	list, err := c.SchedulingV1().PriorityClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list priorityclasses: %w", err)
	}
	have := map[string]bool{}
	for _, pc := range list.Items {
		have[pc.Name] = true
	}
	for _, pc := range validation.SystemPriorityClasses() {
		if have[pc.Name] {
			continue
		}
		if _, err := c.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create priorityclass %s: %w", pc.Name, err)
		}
	}
	return nil
}
