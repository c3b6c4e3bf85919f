package imagetest

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// SaveDocker writes images in `docker save` format (manifest.json and
// repositories), each under its reference. A path ending in .gz or .tgz is
// gzipped, as users often ship air-gap bundles.
func SaveDocker(path string, images map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for ref, img := range images {
		r, err := name.ParseReference(ref)
		if err != nil {
			return err
		}
		refs[r] = img
	}
	return writeFile(path, func(w io.Writer) error { return tarball.MultiRefWrite(refs, w) })
}

// Annotations an OCI archive names its images with: containerd's
// `ctr export` writes the full name under io.containerd.image.name and the
// tag under org.opencontainers.image.ref.name.
const (
	AnnotationContainerdName = "io.containerd.image.name"
	AnnotationRefName        = "org.opencontainers.image.ref.name"
)

// SaveOCI writes images as a tarred OCI image layout (oci-layout,
// index.json, blobs/sha256/…), each annotated with its reference. A path
// ending in .gz or .tgz is gzipped.
func SaveOCI(path string, images map[string]v1.Image) error {
	dir, err := os.MkdirTemp("", "imagetest-oci-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	for ref, img := range images {
		r, err := name.ParseReference(ref)
		if err != nil {
			return err
		}
		anns := map[string]string{AnnotationContainerdName: r.Name(), AnnotationRefName: r.Identifier()}
		if err := lp.AppendImage(img, layout.WithAnnotations(anns)); err != nil {
			return err
		}
	}
	return writeFile(path, func(w io.Writer) error { return tarDir(w, dir) })
}

// SaveOCIIndex writes a multi-platform index as a tarred OCI image layout
// under ref, as `docker buildx build --output type=oci` does.
func SaveOCIIndex(path, ref string, idx v1.ImageIndex) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "imagetest-oci-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	anns := map[string]string{AnnotationContainerdName: r.Name(), AnnotationRefName: r.Identifier()}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(anns)); err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error { return tarDir(w, dir) })
}

// writeFile writes path through write, gzipped for .gz and .tgz.
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if !strings.HasSuffix(path, ".gz") && !strings.HasSuffix(path, ".tgz") {
		return write(f)
	}
	zw := gzip.NewWriter(f)
	if err := write(zw); err != nil {
		return err
	}
	return zw.Close()
}

// tarDir writes the regular files and directories under dir to w.
func tarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(tw, f); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
