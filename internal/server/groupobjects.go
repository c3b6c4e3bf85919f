package server

import (
	"context"
	"fmt"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apfbootstrap "k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap"
	"k8s.io/client-go/kubernetes"
)

// ensureFlowControl creates Kubernetes' mandatory and suggested API
// priority and fairness objects that are missing, as kube-apiserver's
// bootstrap does; existing ones (perhaps edited) are left alone.
func ensureFlowControl(ctx context.Context, c kubernetes.Interface) error {
	levels := append(append([]*flowcontrolv1.PriorityLevelConfiguration{}, apfbootstrap.MandatoryPriorityLevelConfigurations...), apfbootstrap.SuggestedPriorityLevelConfigurations...)
	for _, pl := range levels {
		if _, err := c.FlowcontrolV1().PriorityLevelConfigurations().Create(ctx, pl.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("prioritylevelconfiguration %s: %w", pl.Name, err)
		}
	}
	schemas := append(append([]*flowcontrolv1.FlowSchema{}, apfbootstrap.MandatoryFlowSchemas...), apfbootstrap.SuggestedFlowSchemas...)
	for _, fs := range schemas {
		if _, err := c.FlowcontrolV1().FlowSchemas().Create(ctx, fs.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("flowschema %s: %w", fs.Name, err)
		}
	}
	return nil
}
