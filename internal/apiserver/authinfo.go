package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// FrontProxy is the aggregator's identity towards extension API servers.
type FrontProxy struct {
	// CACertFile signs ClientCertFile; extension servers trust it for
	// requests that name their user in X-Remote-* headers.
	CACertFile string
	// ClientCertFile and ClientKeyFile are presented by the aggregator.
	ClientCertFile, ClientKeyFile string
	// AllowedName is ClientCertFile's CN.
	AllowedName string
}

// authInfoName is the ConfigMap in kube-system from which extension API
// servers (k8s.io/apiserver's delegated authentication) learn whom to
// trust, and the Role that lets them read it (named as in Kubernetes'
// bootstrap policy; their manifests bind to it).
const (
	authInfoName       = "extension-apiserver-authentication"
	authInfoReaderRole = "extension-apiserver-authentication-reader"
)

// authInfo is kube-apiserver's cluster authentication information: the
// client CA, and the front proxy's CA, allowed name and headers.
func authInfo(clientCAFile string, fp FrontProxy) (map[string]string, error) {
	clientCA, err := os.ReadFile(clientCAFile)
	if err != nil {
		return nil, err
	}
	proxyCA, err := os.ReadFile(fp.CACertFile)
	if err != nil {
		return nil, err
	}
	list := func(v ...string) string { b, _ := json.Marshal(v); return string(b) }
	return map[string]string{
		"client-ca-file":                     string(clientCA),
		"requestheader-client-ca-file":       string(proxyCA),
		"requestheader-allowed-names":        list(fp.AllowedName),
		"requestheader-username-headers":     list("X-Remote-User"),
		"requestheader-uid-headers":          list("X-Remote-Uid"),
		"requestheader-group-headers":        list("X-Remote-Group"),
		"requestheader-extra-headers-prefix": list("X-Remote-Extra-"),
	}, nil
}

// publishAuthInfo writes the ConfigMap and the reader Role once kube-system
// exists (the bootstrap hook makes it), retrying until the server stops.
func publishAuthInfo(s *genericapiserver.GenericAPIServer, client kubernetes.Interface, data map[string]string) error {
	return s.AddPostStartHook("ordo-extension-apiserver-authentication", func(hctx genericapiserver.PostStartHookContext) error {
		go func() {
			err := wait.PollUntilContextCancel(hctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
				err := ensureAuthInfo(ctx, client, data)
				if err != nil && !apierrors.IsNotFound(err) {
					klog.FromContext(ctx).Error(err, "Publishing the cluster authentication information")
				}
				return err == nil, nil
			})
			if err != nil && hctx.Err() == nil {
				klog.FromContext(hctx).Error(err, "Publishing the cluster authentication information")
			}
		}()
		return nil
	})
}

func ensureAuthInfo(ctx context.Context, client kubernetes.Interface, data map[string]string) error {
	cms := client.CoreV1().ConfigMaps(metav1.NamespaceSystem)
	cur, err := cms.Get(ctx, authInfoName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: authInfoName}, Data: data}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	case err != nil:
		return err
	default:
		if !sameData(cur.Data, data) {
			cur = cur.DeepCopy()
			cur.Data = data
			if _, err := cms.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("update %s: %w", authInfoName, err)
			}
		}
	}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: authInfoReaderRole,
			Labels:      map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"},
			Annotations: map[string]string{"rbac.authorization.kubernetes.io/autoupdate": "true"}},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"},
			ResourceNames: []string{authInfoName}, Verbs: []string{"get", "list", "watch"}}},
	}
	_, err = client.RbacV1().Roles(metav1.NamespaceSystem).Create(ctx, role, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func sameData(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
