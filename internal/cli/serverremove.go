package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/server"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// newServerRemoveCommand is `ordo server remove NAME`: it asks any live
// server (through the admin kubeconfig) to remove NAME's etcd member, as
// `etcdctl member remove` would. Stop the server first: a server whose
// member is removed while it runs exits.
func newServerRemoveCommand() *cobra.Command {
	var dataDir, kubeconfig string
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a server (its etcd member, named after its node) from the cluster",
		Long: `Remove a server from a cluster of servers made with --cluster-init and --join.

NAME is the server's etcd member name, its --node-name. The request goes
to the server of the admin kubeconfig (--kubeconfig, else $KUBECONFIG,
else <data-dir>/kubeconfig.yaml), which must not be the one removed.
etcd refuses a removal that would leave too few members for a quorum.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := kubeconfig
			if path == "" {
				path = os.Getenv("KUBECONFIG")
			}
			if path == "" {
				path = datadir.Kubeconfig(datadir.Resolve(dataDir))
			}
			cfg, err := clientcmd.BuildConfigFromFlags("", path)
			if err != nil {
				return err
			}
			cs, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			err = cs.CoreV1().RESTClient().Delete().AbsPath(server.MembersPath, args[0]).Do(ctx).Error()
			if err != nil {
				return fromServer(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "server %q removed\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "the data directory whose kubeconfig.yaml to use (default as for ordo server)")
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "admin kubeconfig of a live server")
	return cmd
}

// fromServer words an API error as kubectl does.
func fromServer(err error) error {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		return fmt.Errorf("Error from server (%s): %s", s.Reason, strings.TrimSpace(s.Message))
	}
	return err
}
