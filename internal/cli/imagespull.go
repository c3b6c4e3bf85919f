package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/spf13/cobra"

	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/ordo-dev/ordo/internal/image/remote"
)

// newImagesPullCommand is `ordo images pull REF`, as `crictl pull`: the
// image from its registry (through registries.yaml's mirrors and
// credentials) into the data directory's store.
func newImagesPullCommand(dataDir *string, open func() (*image.Store, error)) *cobra.Command {
	var registries, creds string
	cmd := &cobra.Command{
		Use:   "pull REF",
		Short: "Pull an image from its registry into the store (mirrors and credentials from registries.yaml)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			path := registries
			if path == "" {
				path = filepath.Join(datadir.Resolve(*dataDir), "registries.yaml")
			}
			regs, err := remote.LoadRegistries(path)
			if err != nil {
				return err
			}
			kc, err := credsKeychain(creds)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			img, err := remote.PullInto[*image.Image](ctx, s, &remote.Puller{Registries: regs}, args[0], kc)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Image is up to date for %s\n", img.Digest)
			return nil
		},
	}
	cmd.Flags().StringVar(&registries, "registries", "", "registries.yaml (default <data-dir>/registries.yaml when present)")
	cmd.Flags().StringVar(&creds, "creds", "", "USERNAME:PASSWORD for the image's registry, as crictl pull --creds")
	return cmd
}

// credsKeychain is a keychain giving USERNAME:PASSWORD to any registry;
// empty creds give none.
func credsKeychain(creds string) (authn.Keychain, error) {
	if creds == "" {
		return authn.NewMultiKeychain(), nil
	}
	user, pass, ok := strings.Cut(creds, ":")
	if !ok || user == "" {
		return nil, fmt.Errorf("--creds %q: want USERNAME:PASSWORD", creds)
	}
	return staticKeychain{authn.FromConfig(authn.AuthConfig{Username: user, Password: pass})}, nil
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }
