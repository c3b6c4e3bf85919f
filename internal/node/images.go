package node

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/agent"
	"github.com/ordo-dev/ordo/internal/agent/pulls"
	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/ordo-dev/ordo/internal/image/remote"
	"github.com/ordo-dev/ordo/internal/images"
)

// ImageOptions are where a node's containers' images come from, the same
// for `ordo server` and `ordo agent`.
type ImageOptions struct {
	// Table is the user's image table file (see package images); empty
	// reads <data-dir>/images.yaml when present.
	Table string
	// Registries is a k3s registries.yaml (mirrors, credentials, TLS);
	// empty reads <data-dir>/registries.yaml when present.
	Registries string
	// Source chooses between images and the image table (pulls.Mode:
	// auto, registry or table).
	Source string
}

// imageGCPeriod is how often the image store is checked against the
// kubelet's image GC thresholds (the kubelet's ImageGCPeriod).
const imageGCPeriod = 5 * time.Minute

// nodeImages gives the agent its image table, image store and registry
// client, and returns what runs beside the agent: the import directory's
// watcher and the image garbage collector.
func nodeImages(o ImageOptions, dataDir string, c *agent.Config) (func(ctx context.Context), error) {
	mode, ok := pulls.ParseMode(o.Source)
	if !ok {
		return nil, fmt.Errorf("--image-source %q: want auto, registry or table", o.Source)
	}
	var err error
	if c.Images, err = images.Load(o.Table, dataDir); err != nil {
		return nil, err
	}
	path := o.Registries
	if path == "" {
		path = filepath.Join(dataDir, "registries.yaml")
	}
	regs, err := remote.LoadRegistries(path)
	if err != nil {
		return nil, err
	}
	store, err := image.Open(datadir.Images(dataDir), image.Options{})
	if err != nil {
		return nil, fmt.Errorf("image store: %w", err)
	}
	puller := &remote.Puller{Registries: regs}
	c.Store, c.Fetch, c.Unreachable, c.ImageSource = store, puller.Fetch, remote.IsUnreachable, mode
	return func(ctx context.Context) {
		go store.WatchImports(ctx, store.ImportDir())
		go collectImages(ctx, store)
	}, nil
}

// collectImages runs the image garbage collector every imageGCPeriod
// until ctx ends.
func collectImages(ctx context.Context, store *image.Store) {
	t := time.NewTicker(imageGCPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if freed, err := store.GC(ctx, image.DefaultGCPolicy); err != nil {
			klog.FromContext(ctx).Error(err, "Image garbage collection")
		} else if freed > 0 {
			klog.FromContext(ctx).Info("Image garbage collection freed space", "bytes", freed)
		}
	}
}
