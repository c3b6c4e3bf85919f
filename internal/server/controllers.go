package server

import (
	"context"

	"k8s.io/client-go/rest"
)

// runControllers starts the controllers once this server holds the
// controller lease. Filled in as controllers are added.
func runControllers(ctx context.Context, cfg *rest.Config) {
	<-ctx.Done()
}
