package pki

import (
	"os"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// WriteAdminKubeconfig writes a kubeconfig for server that authenticates with
// the admin client certificate, embedding every file so it can be copied.
func WriteAdminKubeconfig(f Files, server, path string) error {
	ca, err := os.ReadFile(f.CACert())
	if err != nil {
		return err
	}
	crt, err := os.ReadFile(f.AdminCert())
	if err != nil {
		return err
	}
	key, err := os.ReadFile(f.AdminKey())
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["ordo"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: crt, ClientKeyData: key}
	cfg.Contexts["ordo"] = &clientcmdapi.Context{Cluster: "ordo", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "ordo"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	return writeAtomic(path, data, 0o600)
}
