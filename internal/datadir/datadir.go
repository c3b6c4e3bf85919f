// Package datadir decides where ordo keeps its state, the same way for the
// server and for `ordo kubectl`, so the latter finds the admin kubeconfig.
package datadir

import (
	"os"
	"path/filepath"
)

// EnvVar overrides the default data directory.
const EnvVar = "ORDO_DATA_DIR"

// Resolve returns flag if set, else $ORDO_DATA_DIR, else /var/lib/ordo for
// root and ~/.local/share/ordo for everyone else.
func Resolve(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv(EnvVar); env != "" {
		return env
	}
	if os.Geteuid() == 0 {
		return "/var/lib/ordo"
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "ordo")
	}
	return filepath.Join(home, ".local", "share", "ordo")
}

// Kubeconfig is the admin kubeconfig written by the server.
func Kubeconfig(dir string) string { return filepath.Join(dir, "kubeconfig.yaml") }

// PKI is where certificates and keys live.
func PKI(dir string) string { return filepath.Join(dir, "pki") }

// Etcd is the embedded etcd member's directory.
func Etcd(dir string) string { return filepath.Join(dir, "etcd") }

// Volumes holds the directories of locally provisioned PersistentVolumes,
// one per volume, named after it.
func Volumes(dir string) string { return filepath.Join(dir, "volumes") }

// Images is the image store (package image): blobs, unpacked layers,
// the index of names, leases, and import/ for tarballs dropped in.
func Images(dir string) string { return filepath.Join(dir, "images") }
