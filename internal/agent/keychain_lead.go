package agent

import (
	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
)

// stand-in until internal/image/remote lands
func secretsKeychain([]corev1.Secret) (authn.Keychain, error) { return authn.NewMultiKeychain(), nil }
