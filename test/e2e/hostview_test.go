package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// hostSecretFile writes a file the host's pods must not read and removes
// it when the test ends.
func hostSecretFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
}

// TestPodsCannotReadTheHostsSecrets: a container on the host's root does
// not see /etc/shadow, files under /etc only root may read (SSH host keys'
// kind), /root, the homes, /var/tmp, the host's /run or the project
// directories outside the system hierarchy; /etc/passwd stays readable,
// and a hostPath volume of a home mounts where the pod asks, even under a
// hidden directory.
func TestPodsCannotReadTheHostsSecrets(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("pods need root for namespaces")
	}
	home, err := os.MkdirTemp("/home", "ordo-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	base := filepath.Base(home)
	hostSecretFile(t, filepath.Join(home, "notes"), "home-notes", 0o644)
	// Written before the server starts: the agent decides what to hide
	// when it starts.
	hostSecretFile(t, "/etc/"+base+"_host_key", "etc-key", 0o600)
	hostSecretFile(t, "/root/"+base, "root-file", 0o644)
	hostSecretFile(t, "/var/tmp/"+base, "var-tmp-file", 0o644)
	hostSecretFile(t, "/run/"+base, "run-file", 0o644)
	project, _ := os.Getwd()
	c, cs, _ := startWithAgent(t)
	script := strings.NewReplacer("BASE", base, "HOME_DIR", home, "PROJECT", project).Replace(`
echo "shadow=[$(cat /etc/shadow)]"
echo "gshadow=[$(cat /etc/gshadow)]"
echo "key=[$(cat /etc/BASE_host_key)]"
echo "root=[$(cat /root/BASE 2>/dev/null)]"
echo "homes=[$(ls /home)]"
echo "vartmp=[$(cat /var/tmp/BASE 2>/dev/null)]"
echo "run=[$(cat /run/BASE 2>/dev/null)]"
echo "project=[$(ls PROJECT 2>/dev/null)]"
echo "passwd=$(grep -c '^root:' /etc/passwd)"
echo "volume=[$(cat /mnt/home/notes)]"
echo "same-path=[$(cat HOME_DIR/notes)]"
`)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: snoop}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: [sh, -c, '`+strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(script), "\n", "; "), "'", "''")+`']
    volumeMounts:
    - {name: home, mountPath: /mnt/home}
    - {name: home, mountPath: `+home+`}
  volumes: [{name: home, hostPath: {path: `+home+`}}]
`, "apply", "-f", "-")
	waitPhase(t, cs, "snoop", corev1.PodSucceeded)
	got := c.Run("logs", "snoop")
	for _, want := range []string{
		"shadow=[]", "gshadow=[]", "key=[]", "root=[]", "homes=[" + base + "]", "vartmp=[]", "run=[]",
		"project=[]", "passwd=1", "volume=[home-notes]", "same-path=[home-notes]",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("want %q in the pod's output:\n%s", want, got)
		}
	}
}
