package apiserver

import (
	"github.com/ordo-dev/ordo/internal/serviceaccount"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// serviceAccountTokens issues (serviceaccounts/token) and checks (bearer
// authentication) service-account tokens signed with the key in keyFile.
// Lookups read the server's informer caches and fall back to the loopback
// client, whose own token is checked before any service-account token. No
// key file: nil, and service accounts cannot authenticate.
func serviceAccountTokens(keyFile string, f informers.SharedInformerFactory, loopback kubernetes.Interface) (*serviceaccount.Tokens, error) {
	if keyFile == "" {
		return nil, nil
	}
	key, err := serviceaccount.LoadKey(keyFile)
	if err != nil {
		return nil, err
	}
	return serviceaccount.New(serviceaccount.Config{
		Key: key,
		Getter: serviceaccount.CachedGetter{
			ServiceAccounts: f.Core().V1().ServiceAccounts().Lister(),
			Pods:            f.Core().V1().Pods().Lister(),
			Nodes:           f.Core().V1().Nodes().Lister(),
			Client:          func() kubernetes.Interface { return loopback },
		},
	})
}
