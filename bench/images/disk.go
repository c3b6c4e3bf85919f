package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/ordo-dev/ordo/internal/image/imagetest"
	"github.com/ordo-dev/ordo/internal/image/remote"
)

// diskBase is the shared base's packages, above busybox.
var diskBase = []string{"postgresql-15", "postgresql-client-15"}

// diskTopBytes is the size of each image's own file.
const diskTopBytes = 1 << 20

type diskStats struct {
	Images int `json:"images"`
	// SumOfSizes adds up each image's Size as the store reports it (`ordo
	// images ls`): every image counted with its base.
	SumOfSizes int64 `json:"sum_of_image_sizes"`
	// StoreUsed is what <store>/layers and blobs take on disk (allocated
	// blocks, hard links once); StoreApparent the bytes of their files.
	StoreUsed     int64   `json:"store_disk_used"`
	StoreApparent int64   `json:"store_apparent_bytes"`
	LayersUsed    int64   `json:"layers_disk_used"`
	BlobsUsed     int64   `json:"blobs_disk_used"`
	PullS         float64 `json:"pull_all_s"`
}

// diskPhase pushes -disk-images images that share a base (busybox and
// PostgreSQL) and differ by a small top layer, pulls them all into one
// fresh store, and compares the store's disk use with the sum of sizes.
func diskPhase(ctx context.Context, o options, reg *registry) (*diskStats, error) {
	busybox, err := imagetest.BusyboxLayer()
	if err != nil {
		return nil, err
	}
	files, err := imagetest.DebianFiles(diskBase...)
	if err != nil {
		return nil, err
	}
	base, err := imagetest.Layer(files)
	if err != nil {
		return nil, err
	}
	refs := make([]string, o.diskImages)
	for i := range refs {
		data := make([]byte, diskTopBytes)
		_, _ = rand.Read(data)
		top, err := imagetest.Layer(map[string]imagetest.File{
			"app":          imagetest.Dir(0o755),
			"app/data.bin": {Contents: data, Mode: 0o644},
			"app/name":     imagetest.Text(fmt.Sprintf("app-%d\n", i), 0o644),
		})
		if err != nil {
			return nil, err
		}
		img, err := imagetest.Image(v1Config(), busybox, base, top)
		if err != nil {
			return nil, err
		}
		repo := fmt.Sprintf("bench/app-%d:1", i)
		if err := reg.push(repo, img); err != nil {
			return nil, err
		}
		refs[i] = reg.ref(repo)
	}
	dir, err := os.MkdirTemp("", "ordo-bench-store-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	store, err := image.Open(dir, image.Options{})
	if err != nil {
		return nil, err
	}
	st := &diskStats{Images: o.diskImages}
	t0 := time.Now()
	for _, ref := range refs {
		if _, err := remote.PullInto(ctx, store, &remote.Puller{}, ref, nil); err != nil {
			return nil, err
		}
	}
	st.PullS = benchutil.Round3(time.Since(t0).Seconds())
	imgs, err := store.List()
	if err != nil {
		return nil, err
	}
	if len(imgs) != o.diskImages {
		return nil, fmt.Errorf("the store lists %d images, want %d", len(imgs), o.diskImages)
	}
	for _, img := range imgs {
		st.SumOfSizes += img.Size
	}
	seen := map[uint64]bool{}
	var lApp, bApp int64
	st.LayersUsed, lApp = diskUsage(filepath.Join(dir, "layers"), seen)
	st.BlobsUsed, bApp = diskUsage(filepath.Join(dir, "blobs"), seen)
	st.StoreUsed, st.StoreApparent = st.LayersUsed+st.BlobsUsed, lApp+bApp
	return st, nil
}

// diskUsage is du's figure for dir: allocated blocks of every file and
// directory, each inode once (seen is shared across calls), and the
// apparent bytes of its regular files.
func diskUsage(dir string, seen map[uint64]bool) (used, apparent int64) {
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		sys, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || seen[sys.Ino] {
			return nil
		}
		seen[sys.Ino] = true
		used += sys.Blocks * 512
		if fi.Mode().IsRegular() {
			apparent += fi.Size()
		}
		return nil
	})
	return used, apparent
}

func printDisk(st *diskStats) {
	fmt.Printf("\n== disk: %d images sharing a base (busybox + %v), each with its own %d KiB layer, pulled into one store in %.1fs\n",
		st.Images, diskBase, diskTopBytes>>10, st.PullS)
	fmt.Printf("sum of the images' sizes (as `ordo images ls`)  %8.1f MB\n", float64(st.SumOfSizes)/1e6)
	fmt.Printf("store on disk (du of layers + blobs)            %8.1f MB  (layers %.1f, blobs %.1f; files' bytes %.1f)\n",
		float64(st.StoreUsed)/1e6, float64(st.LayersUsed)/1e6, float64(st.BlobsUsed)/1e6, float64(st.StoreApparent)/1e6)
	if st.SumOfSizes > 0 {
		fmt.Printf("store / sum of sizes: %.3f\n", float64(st.StoreUsed)/float64(st.SumOfSizes))
	}
}
