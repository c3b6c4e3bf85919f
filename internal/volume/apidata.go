package volume

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// writeAPIData writes a secret, downwardAPI or projected volume.
func (m *Manager) writeAPIData(ctx context.Context, p *corev1.Pod, dir string, v *corev1.Volume) error {
	var (
		pl  payload
		err error
	)
	switch {
	case v.Secret != nil:
		pl, err = m.secretPayload(ctx, p.Namespace, v.Secret.SecretName, v.Secret.Items, v.Secret.DefaultMode, v.Secret.Optional)
	case v.DownwardAPI != nil:
		pl, err = downwardPayload(p, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode, m.cfg.Allocatable())
	case v.Projected != nil:
		pl, err = m.projectedPayload(ctx, p, v.Projected)
	}
	if err != nil {
		return err
	}
	return writeAtomicDir(dir, pl)
}

func (m *Manager) writeConfigMap(ctx context.Context, p *corev1.Pod, dir string, src *corev1.ConfigMapVolumeSource) error {
	pl, err := m.configMapPayload(ctx, p.Namespace, src.Name, src.Items, src.DefaultMode, src.Optional)
	if err != nil {
		return err
	}
	return writeAtomicDir(dir, pl)
}

// configMapPayload reads a ConfigMap for a volume or projection; a missing
// optional one is an empty payload.
func (m *Manager) configMapPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, mode *int32, optional *bool) (payload, error) {
	cm, err := m.cfg.Objects.ConfigMap(ctx, ns, name)
	switch {
	case apierrors.IsNotFound(err) && optional != nil && *optional:
		return payload{}, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("configmap %q not found", name)
	case err != nil:
		return nil, fmt.Errorf("get configmap %q: %w", name, err)
	}
	return keysPayload("configmap", configMapData(cm), items, mode, optional)
}

// secretPayload is configMapPayload for a Secret.
func (m *Manager) secretPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, mode *int32, optional *bool) (payload, error) {
	s, err := m.cfg.Objects.Secret(ctx, ns, name)
	switch {
	case apierrors.IsNotFound(err) && optional != nil && *optional:
		return payload{}, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("secret %q not found", name)
	case err != nil:
		return nil, fmt.Errorf("get secret %q: %w", name, err)
	}
	return keysPayload("secret", s.Data, items, mode, optional)
}
