package volume

import (
	"context"
	"errors"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
)

// projectedPayload gathers a projected volume's sources into one payload as
// the kubelet does: each source with the volume's defaultMode unless its
// items say otherwise. Every source is tried, so the FailedMount event names
// every one that failed.
func (m *Manager) projectedPayload(ctx context.Context, p *corev1.Pod, src *corev1.ProjectedVolumeSource) (payload, error) {
	out := payload{}
	var errs []error
	for i := range src.Sources {
		part, err := m.projectionPayload(ctx, p, &src.Sources[i], src.DefaultMode)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		maps.Copy(out, part)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// projectionPayload is one source of a projected volume. Sources ordo cannot
// provide fail the volume, naming the source, rather than being left out.
func (m *Manager) projectionPayload(ctx context.Context, p *corev1.Pod, s *corev1.VolumeProjection, mode *int32) (payload, error) {
	switch {
	case s.ConfigMap != nil:
		return m.configMapPayload(ctx, p.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, mode, s.ConfigMap.Optional)
	case s.Secret != nil:
		return m.secretPayload(ctx, p.Namespace, s.Secret.Name, s.Secret.Items, mode, s.Secret.Optional)
	case s.DownwardAPI != nil:
		return downwardPayload(p, s.DownwardAPI.Items, mode, m.cfg.Allocatable())
	case s.ServiceAccountToken != nil:
		token, err := m.podToken(ctx, p, s.ServiceAccountToken)
		if err != nil {
			return nil, err
		}
		return payload{s.ServiceAccountToken.Path: {data: []byte(token), mode: fileMode(mode)}}, nil
	case s.ClusterTrustBundle != nil:
		return m.trustBundlePayload(ctx, s.ClusterTrustBundle, mode)
	case s.PodCertificate != nil:
		return m.podCertificatePayload(ctx, p, s.PodCertificate, mode)
	}
	return nil, fmt.Errorf("a projected source of a kind ordo does not know")
}
