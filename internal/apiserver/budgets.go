package apiserver

import (
	"context"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// loopbackBudgets gives pods/eviction the PodDisruptionBudgets through the
// server's own loopback client, as kube-apiserver's eviction REST reads
// and writes them through its client: reads are fresh from storage and a
// status write is a normal, resourceVersion-checked update.
type loopbackBudgets struct {
	client kubernetes.Interface
}

func (b loopbackBudgets) List(ctx context.Context, namespace string) ([]*policyv1.PodDisruptionBudget, error) {
	list, err := b.client.PolicyV1().PodDisruptionBudgets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*policyv1.PodDisruptionBudget, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

func (b loopbackBudgets) Get(ctx context.Context, namespace, name string) (*policyv1.PodDisruptionBudget, error) {
	return b.client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, name, metav1.GetOptions{})
}

func (b loopbackBudgets) UpdateStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error {
	_, err := b.client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, pdb, metav1.UpdateOptions{})
	return err
}
