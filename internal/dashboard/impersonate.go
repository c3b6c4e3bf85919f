package dashboard

import (
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// asUser is a loopback client that impersonates u (name, UID, groups and
// extra), so that the API server authorizes each call as u's own: RBAC,
// not the dashboard, decides what a user may do. The loopback identity
// (system:masters) may impersonate anyone.
func (d *Dashboard) asUser(u user.Info) (kubernetes.Interface, error) {
	cfg := rest.CopyConfig(d.cfg.Loopback)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups(), Extra: u.GetExtra()}
	cfg.UserAgent = "ordo-dashboard"
	return kubernetes.NewForConfig(cfg)
}
