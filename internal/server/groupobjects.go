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
// bootstrap does; existing ones (perhaps edited) are left alone. Two
// lists find the missing ones: on a restart none is, and 19 refused
// Creates through the loopback delayed the ready line.
func ensureFlowControl(ctx context.Context, c kubernetes.Interface) error {
	havePL, err := c.FlowcontrolV1().PriorityLevelConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list prioritylevelconfigurations: %w", err)
	}
	haveFS, err := c.FlowcontrolV1().FlowSchemas().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list flowschemas: %w", err)
	}
	exists := map[string]bool{}
	for _, pl := range havePL.Items {
		exists["pl/"+pl.Name] = true
	}
	for _, fs := range haveFS.Items {
		exists["fs/"+fs.Name] = true
	}
	levels := append(append([]*flowcontrolv1.PriorityLevelConfiguration{}, apfbootstrap.MandatoryPriorityLevelConfigurations...), apfbootstrap.SuggestedPriorityLevelConfigurations...)
	for _, pl := range levels {
		if exists["pl/"+pl.Name] {
			continue
		}
		if _, err := c.FlowcontrolV1().PriorityLevelConfigurations().Create(ctx, pl.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("prioritylevelconfiguration %s: %w", pl.Name, err)
		}
	}
	schemas := append(append([]*flowcontrolv1.FlowSchema{}, apfbootstrap.MandatoryFlowSchemas...), apfbootstrap.SuggestedFlowSchemas...)
	for _, fs := range schemas {
		if exists["fs/"+fs.Name] {
			continue
		}
		if _, err := c.FlowcontrolV1().FlowSchemas().Create(ctx, fs.DeepCopy(), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("flowschema %s: %w", fs.Name, err)
		}
	}
	return nil
}
