package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
)

func TestDataDirFlag(t *testing.T) {
	cases := []struct {
		args     []string
		dir      string
		rest     []string
		errorHas string
	}{
		{args: []string{"get", "pods"}, rest: []string{"get", "pods"}},
		{args: []string{"--data-dir", "/d", "get", "pods"}, dir: "/d", rest: []string{"get", "pods"}},
		{args: []string{"get", "--data-dir=/d", "pods"}, dir: "/d", rest: []string{"get", "pods"}},
		{args: []string{"exec", "web", "--", "ordo", "server", "--data-dir", "/x"}, rest: []string{"exec", "web", "--", "ordo", "server", "--data-dir", "/x"}},
		{args: []string{"--data-dir"}, errorHas: "flag needs an argument: --data-dir"},
		{args: []string{"--data-dir", "--", "x"}, errorHas: "flag needs an argument: --data-dir"},
		{args: []string{"--data-dir=", "get"}, errorHas: "--data-dir must name a directory"},
	}
	for _, c := range cases {
		dir, rest, err := dataDirFlag(c.args)
		if c.errorHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errorHas) {
				t.Errorf("%q: err %v, want %q", c.args, err, c.errorHas)
			}
			continue
		}
		if err != nil || dir != c.dir || !reflect.DeepEqual(rest, c.rest) {
			t.Errorf("%q: %q %q %v; want %q %q", c.args, dir, rest, err, c.dir, c.rest)
		}
	}
}

// TestChooseKubeconfig: --data-dir's kubeconfig must exist; KUBECONFIG
// and a pod's service account are kubectl's; the data directory's comes
// before ~/.kube/config; with none, the error names every place tried
// and the ways to point at a server.
func TestChooseKubeconfig(t *testing.T) {
	dir := t.TempDir()
	server := filepath.Join(dir, "server")
	if err := os.MkdirAll(server, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(server, "kubeconfig.yaml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home", ".kube", "config")
	in := func(dataDir string, inCluster bool) kubeconfigInput {
		return kubeconfigInput{dataDir: dataDir, inCluster: inCluster, homeConfig: home, exists: fileExists}
	}
	t.Setenv("KUBECONFIG", "")
	t.Setenv("ORDO_DATA_DIR", filepath.Join(dir, "elsewhere"))

	if got, err := chooseKubeconfig(in(server, false)); err != nil || got.kubeconfig != filepath.Join(server, "kubeconfig.yaml") {
		t.Errorf("--data-dir of a server: %+v %v", got, err)
	}
	if _, err := chooseKubeconfig(in(filepath.Join(dir, "none"), false)); err == nil || !strings.Contains(err.Error(), "has no kubeconfig.yaml: it is not the data directory of an ordo server") {
		t.Errorf("--data-dir without a kubeconfig: %v", err)
	}
	got, err := chooseKubeconfig(in("", false))
	if err != nil || got.kubeconfig != "" || got.missing == nil {
		t.Fatalf("nothing anywhere: %+v %v", got, err)
	}
	msg := got.missing.Error()
	for _, want := range []string{"$KUBECONFIG (not set)", filepath.Join(dir, "elsewhere", "kubeconfig.yaml") + " (the data directory from ORDO_DATA_DIR)",
		home, "ordo kubectl --data-dir DIR", "ORDO_DATA_DIR=DIR", "KUBECONFIG=DIR/kubeconfig.yaml", "http://localhost:8080"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q:\n%s", want, msg)
		}
	}
	if got, err := chooseKubeconfig(in("", true)); err != nil || got.missing != nil || got.kubeconfig != "" {
		t.Errorf("in a pod: %+v %v", got, err)
	}
	if err := os.MkdirAll(filepath.Dir(home), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(home, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := chooseKubeconfig(in("", false)); err != nil || got.missing != nil || got.kubeconfig != "" {
		t.Errorf("~/.kube/config is kubectl's: %+v %v", got, err)
	}
	t.Setenv("ORDO_DATA_DIR", server)
	if got, err := chooseKubeconfig(in("", false)); err != nil || got.kubeconfig != filepath.Join(server, "kubeconfig.yaml") {
		t.Errorf("ORDO_DATA_DIR of a server: %+v %v", got, err)
	}
	t.Setenv("KUBECONFIG", home)
	if got, err := chooseKubeconfig(in("", false)); err != nil || got.missing != nil || got.kubeconfig != "" {
		t.Errorf("KUBECONFIG is kubectl's: %+v %v", got, err)
	}
}

// TestNoServerGuard: without a kubeconfig, a request ends kubectl with
// the error, unless --server or --kubeconfig names one.
func TestNoServerGuard(t *testing.T) {
	t.Setenv("KUBERNETES_MASTER", "")
	missing := &noKubeconfigError{dataDirKubeconfig: "/d/kubeconfig.yaml", from: "x"}
	for _, c := range []struct {
		flags []string
		guard bool
	}{{nil, true}, {[]string{"--server", "https://127.0.0.1:6443"}, false}, {[]string{"--kubeconfig", "/k"}, false}} {
		flags := kubectlConfigFlags(genericiooptions.IOStreams{})
		fs := pflag.NewFlagSet("kubectl", pflag.ContinueOnError)
		flags.AddFlags(fs)
		if err := fs.Parse(c.flags); err != nil {
			t.Fatal(err)
		}
		cfg := noServerGuard(flags, missing)(&rest.Config{Host: "http://localhost:8080"})
		guarded := false
		if cfg.WrapTransport != nil {
			_, guarded = cfg.WrapTransport(http.DefaultTransport).(exitTransport)
		}
		if guarded != c.guard {
			t.Errorf("flags %q: guarded %v, want %v", c.flags, guarded, c.guard)
		}
	}
}
