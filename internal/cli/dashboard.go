package cli

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/dashboard"
	"github.com/ordo-dev/ordo/internal/datadir"
)

// dashboardOptions are `ordo dashboard`'s flags.
type dashboardOptions struct {
	port                int
	noBrowser           bool
	dataDir, kubeconfig string
}

// newDashboardCommand is `ordo dashboard`: the web dashboard on
// 127.0.0.1, with the caller's kubeconfig credentials.
func newDashboardCommand() *cobra.Command {
	var o dashboardOptions
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Open the web dashboard in a browser, with your kubeconfig's credentials",
		Long: `Serve ordo's web dashboard (the API server's /ui/) on 127.0.0.1, passing
requests on with the kubeconfig's credentials, as kubectl proxy and minikube
dashboard do, and open it in a browser (xdg-open) unless --no-browser.
The URL printed carries a one-time key: the browser that opens it gets a
session cookie, and any other client of 127.0.0.1 gets 401, so other local
users cannot act with your credentials. What the dashboard shows and does is
what your kubeconfig's user may do (RBAC). The kubeconfig is --kubeconfig,
else $KUBECONFIG, else the data directory's kubeconfig.yaml, else
~/.kube/config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.port < 0 || o.port > 65535 {
				return fmt.Errorf("--port: invalid value %d: must be 0 (any free port) to 65535", o.port)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDashboard(ctx, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.port, "port", 0, "port on 127.0.0.1 to serve on (0: any free port)")
	f.BoolVar(&o.noBrowser, "no-browser", false, "print the URL only; do not open a browser")
	f.StringVar(&o.dataDir, "data-dir", "", "the data directory whose kubeconfig.yaml to use (default as for ordo server)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig whose current context's server and user to use")
	return cmd
}

func runDashboard(ctx context.Context, o dashboardOptions, out interface{ Write([]byte) (int, error) }) error {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = dashboardKubeconfig(o)
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return err
	}
	p, err := dashboard.NewProxy(cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port)))
	if err != nil {
		return fmt.Errorf("--port: %w", err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + l.Addr().String() + p.Path()
	fmt.Fprintf(out, "ordo dashboard: %s (for %s; Ctrl-C stops)\n", url, cfg.Host)
	if !o.noBrowser {
		defer openBrowser(url)()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// The live streams never end by themselves: close them.
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	_ = srv.Close()
	return nil
}

// dashboardKubeconfig is --kubeconfig, else none when $KUBECONFIG is set
// (the loading rules read it), else the data directory's when a server
// wrote one there, else none (~/.kube/config).
func dashboardKubeconfig(o dashboardOptions) string {
	if o.kubeconfig != "" || os.Getenv(clientcmd.RecommendedConfigPathEnvVar) != "" {
		return o.kubeconfig
	}
	path := datadir.Kubeconfig(datadir.Resolve(o.dataDir))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	return ""
}

// openBrowser opens url with xdg-open when there is one; the URL is
// printed either way.
//
// The URL carries the one-time key, and any local user can read another
// user's command lines in /proc: so xdg-open and the browser get a file
// only the caller can read, which sends the browser on to url (as
// Jupyter does), never url itself. The returned func removes the file;
// it is also removed a minute after the browser was started.
func openBrowser(url string) (remove func()) {
	remove = func() {}
	bin, err := exec.LookPath("xdg-open")
	if err != nil {
		return remove
	}
	path, err := writeOpener(url)
	if err != nil {
		klog.Background().V(2).Info("Could not open a browser", "err", err)
		return remove
	}
	remove = func() { _ = os.Remove(path) }
	cmd := exec.Command(bin, path)
	if err := cmd.Start(); err != nil {
		klog.Background().V(2).Info("Could not open a browser", "err", err)
		return remove
	}
	go func() {
		_ = cmd.Wait()
		time.Sleep(time.Minute)
		remove()
	}()
	return remove
}

// writeOpener writes a page that redirects to url into a new file that
// only its owner can read (os.CreateTemp makes it 0600).
func writeOpener(url string) (string, error) {
	f, err := os.CreateTemp("", "ordo-dashboard-*.html")
	if err != nil {
		return "", err
	}
	u := html.EscapeString(url)
	_, err = fmt.Fprintf(f, "<!doctype html><meta http-equiv=\"refresh\" content=\"0;url=%s\"><a href=\"%s\">ordo dashboard</a>\n", u, u)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
