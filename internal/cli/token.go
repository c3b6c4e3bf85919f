package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/nodeauthz"
)

// newTokenCommand is `ordo token`: bootstrap tokens for joining agents.
func newTokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage bootstrap tokens agents join with"}
	cmd.AddCommand(newTokenCreateCommand())
	return cmd
}

// tokenOptions are `ordo token create`'s flags.
type tokenOptions struct {
	dataDir, kubeconfig, description string
	ttl                              time.Duration
}

// newTokenCreateCommand is `ordo token create`, kubeadm's: a bootstrap
// token Secret in kube-system that lets an agent obtain its node's
// certificate until it expires.
func newTokenCreateCommand() *cobra.Command {
	o := tokenOptions{ttl: 24 * time.Hour}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a bootstrap token an agent can join with (ordo agent --token)",
		Long: `Create a bootstrap token, as kubeadm token create does: a Secret
bootstrap-token-<id> in kube-system of type bootstrap.kubernetes.io/token.
The token, printed on stdout as <id>.<secret>, authenticates as
system:bootstrap:<id> in system:bootstrappers, which may only ask for a
node client certificate, until --ttl has passed (0: never). Delete the
Secret to revoke it earlier. The request goes through the admin kubeconfig
(--kubeconfig, else $KUBECONFIG, else <data-dir>/kubeconfig.yaml).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.ttl < 0 {
				return fmt.Errorf("--ttl: invalid value %q: must be 0 (never expires) or positive", o.ttl)
			}
			token, err := createToken(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.ttl, "ttl", o.ttl, "how long the token is valid (0: never expires)")
	f.StringVar(&o.description, "description", "", "a human-readable description of the token")
	f.StringVar(&o.dataDir, "data-dir", "", "the data directory whose kubeconfig.yaml to use (default as for ordo server)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "admin kubeconfig of a live server")
	return cmd
}

func createToken(ctx context.Context, o tokenOptions) (string, error) {
	path := o.kubeconfig
	if path == "" {
		path = os.Getenv("KUBECONFIG")
	}
	if path == "" {
		path = datadir.Kubeconfig(datadir.Resolve(o.dataDir))
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return "", err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		id, secret, err := randomToken()
		if err != nil {
			return "", err
		}
		_, err = cs.CoreV1().Secrets(metav1.NamespaceSystem).Create(ctx, tokenSecret(id, secret, o, time.Now()), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			continue // an ID taken already: draw another
		}
		if err != nil {
			return "", fromServer(err)
		}
		return id + "." + secret, nil
	}
}

// tokenSecret is the token's Secret, as kubeadm writes it.
func tokenSecret(id, secret string, o tokenOptions, now time.Time) *corev1.Secret {
	data := map[string][]byte{
		nodeauthz.BootstrapTokenID:        []byte(id),
		nodeauthz.BootstrapTokenSecret:    []byte(secret),
		nodeauthz.BootstrapTokenAuthUsage: []byte("true"),
	}
	if o.ttl > 0 {
		data[nodeauthz.BootstrapTokenExpiration] = []byte(now.Add(o.ttl).UTC().Format(time.RFC3339))
	}
	if o.description != "" {
		data[nodeauthz.BootstrapTokenDescription] = []byte(o.description)
	}
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: nodeauthz.BootstrapTokenSecretPrefix + id, Namespace: metav1.NamespaceSystem},
		Type: nodeauthz.BootstrapTokenType, Data: data}
}

// randomToken draws a token's 6-character ID and 16-character secret.
func randomToken() (string, string, error) {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 22)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			return "", "", err
		}
		b[i] = chars[n.Int64()]
	}
	return string(b[:6]), string(b[6:]), nil
}
