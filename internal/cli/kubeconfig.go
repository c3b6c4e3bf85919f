package cli

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/ordo-dev/ordo/internal/datadir"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// dataDirFlag takes `ordo kubectl`'s own --data-dir DIR (or
// --data-dir=DIR) out of kubectl's arguments. Only arguments before the
// first "--" count: after it they belong to a command in a pod
// (`ordo kubectl exec web -- ordo server --data-dir /x`).
func dataDirFlag(args []string) (dir string, rest []string, err error) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		value, isFlag := strings.CutPrefix(a, "--data-dir=")
		switch {
		case a == "--":
			return dir, append(rest, args[i:]...), nil
		case a == "--data-dir":
			if i+1 >= len(args) || args[i+1] == "--" {
				return "", nil, fmt.Errorf("flag needs an argument: --data-dir")
			}
			i++
			value, isFlag = args[i], true
		}
		if !isFlag {
			rest = append(rest, a)
			continue
		}
		if value == "" {
			return "", nil, fmt.Errorf("--data-dir must name a directory")
		}
		dir = value
	}
	return dir, rest, nil
}

// kubeconfigInput is what decides which kubeconfig kubectl gets.
type kubeconfigInput struct {
	// dataDir is `ordo kubectl --data-dir`; empty when not given.
	dataDir string
	// inCluster: kubectl runs in a pod, with its service account.
	inCluster bool
	// homeConfig is kubectl's own default, ~/.kube/config.
	homeConfig string
	exists     func(string) bool
}

// kubeconfigChoice is the decision: a kubeconfig to set as KUBECONFIG,
// or, when kubectl would find none, what was tried.
type kubeconfigChoice struct {
	kubeconfig string
	missing    *noKubeconfigError
}

// chooseKubeconfig decides kubectl's kubeconfig: --data-dir's, which must
// exist (the user asked for that server); else KUBECONFIG or a pod's
// service account, left to kubectl; else the data directory's
// ($ORDO_DATA_DIR or the default) when a server wrote it there; else
// kubectl's ~/.kube/config. With none of them, missing says where ordo
// looked.
func chooseKubeconfig(in kubeconfigInput) (kubeconfigChoice, error) {
	if in.dataDir != "" {
		path := datadir.Kubeconfig(in.dataDir)
		if !in.exists(path) {
			return kubeconfigChoice{}, fmt.Errorf("--data-dir %s has no kubeconfig.yaml: it is not the data directory of an ordo server that has started (the server writes %s on its first start)", in.dataDir, path)
		}
		return kubeconfigChoice{kubeconfig: path}, nil
	}
	if os.Getenv(clientcmd.RecommendedConfigPathEnvVar) != "" || in.inCluster {
		return kubeconfigChoice{}, nil
	}
	dir := datadir.Resolve("")
	path := datadir.Kubeconfig(dir)
	if in.exists(path) {
		return kubeconfigChoice{kubeconfig: path}, nil
	}
	if in.homeConfig != "" && in.exists(in.homeConfig) {
		return kubeconfigChoice{}, nil
	}
	from := "the default data directory; neither --data-dir nor " + datadir.EnvVar + " is set"
	if os.Getenv(datadir.EnvVar) != "" {
		from = "the data directory from " + datadir.EnvVar
	}
	return kubeconfigChoice{missing: &noKubeconfigError{dataDirKubeconfig: path, from: from, homeConfig: in.homeConfig}}, nil
}

// noKubeconfigError says where ordo looked for a kubeconfig and how to
// point it at a server.
type noKubeconfigError struct {
	dataDirKubeconfig, from, homeConfig string
}

func (e *noKubeconfigError) Error() string {
	var b strings.Builder
	b.WriteString("no kubeconfig found, so kubectl knows no server (it would try http://localhost:8080). Looked for:\n")
	b.WriteString("  $KUBECONFIG (not set)\n")
	fmt.Fprintf(&b, "  %s (%s)\n", e.dataDirKubeconfig, e.from)
	if e.homeConfig != "" {
		fmt.Fprintf(&b, "  %s\n", e.homeConfig)
	}
	b.WriteString("Point ordo kubectl at a server with its data directory (the server's --data-dir):\n")
	b.WriteString("  ordo kubectl --data-dir DIR ...\n")
	b.WriteString("  " + datadir.EnvVar + "=DIR ordo kubectl ...\n")
	b.WriteString("  KUBECONFIG=DIR/kubeconfig.yaml ordo kubectl ...  (or kubectl's --kubeconfig FILE)")
	return b.String()
}

// kubectlConfigFlags are kubectl's own default connection flags.
func kubectlConfigFlags(streams genericiooptions.IOStreams) *genericclioptions.ConfigFlags {
	return genericclioptions.NewConfigFlags(true).WithDeprecatedPasswordFlag().
		WithDiscoveryBurst(300).WithDiscoveryQPS(50.0).WithWarningPrinter(streams)
}

// noServerGuard makes kubectl's first request fail with missing when the
// command line names no server either (--kubeconfig, --server, or
// KUBERNETES_MASTER, which kubectl also reads). Commands that need no
// server (help, completion, version --client, create --dry-run=client)
// make no request and run as kubectl runs them.
func noServerGuard(flags *genericclioptions.ConfigFlags, missing error) func(*rest.Config) *rest.Config {
	once := new(sync.Once)
	return func(c *rest.Config) *rest.Config {
		if set(flags.KubeConfig) || set(flags.APIServer) || os.Getenv("KUBERNETES_MASTER") != "" {
			return c
		}
		c.Wrap(func(http.RoundTripper) http.RoundTripper {
			return exitTransport{err: missing, exit: os.Exit, once: once}
		})
		return c
	}
}

func set(s *string) bool { return s != nil && *s != "" }

// exitTransport ends kubectl at its first request with err, printed as
// kubectl prints errors: returned instead, the error would come back
// wrapped in each of discovery's retries. Discovery's requests run in
// parallel; once lets one of them print.
type exitTransport struct {
	err  error
	exit func(int)
	once *sync.Once
}

func (t exitTransport) RoundTrip(*http.Request) (*http.Response, error) {
	t.once.Do(func() {
		fmt.Fprintf(os.Stderr, "error: %v\n", t.err)
		t.exit(1)
	})
	return nil, t.err
}
