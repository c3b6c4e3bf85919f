package cli

import (
	"github.com/spf13/pflag"

	"github.com/ordo-dev/ordo/internal/server"
)

// addImageFlags are the image flags of ordo server and ordo agent.
func addImageFlags(f *pflag.FlagSet, o *server.ImageOptions) {
	f.StringVar(&o.Table, "image-table", "", "a file of image entries (the host's programs a known image runs when it is not pulled), read before the built-in table (default <data-dir>/images.yaml when present)")
	f.StringVar(&o.Registries, "registries", "", "registry mirrors, credentials and TLS, in k3s' registries.yaml format (default <data-dir>/registries.yaml when present)")
	f.StringVar(&o.Source, "image-source", "auto", "where containers' roots come from: auto (the image store, then a registry; the image table when the registry cannot be reached), registry (images only), or table (the image table for every image it knows)")
}
