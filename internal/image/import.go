package image

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"k8s.io/klog/v2"
)

// Annotations naming an image of an OCI image layout's index.json.
const (
	// containerdNameAnnotation holds a full reference (docker save since
	// Docker 25, ctr export, nerdctl save).
	containerdNameAnnotation = "io.containerd.image.name"
	// refNameAnnotation holds a full reference (skopeo, crane) or only a
	// tag, which names no repository and so no image of the store.
	refNameAnnotation = "org.opencontainers.image.ref.name"
)

// Import stores the images of an archive: a `docker save` tarball (its
// manifest.json's RepoTags name them) or an OCI image layout in a tar
// (index.json, named by the io.containerd.image.name or
// org.opencontainers.image.ref.name annotations; a multi-platform index
// gives the image of this machine's platform), gzip- or zstd-compressed or
// not. It imports what it can and returns the images stored with the
// errors of the others.
func (s *Store) Import(ctx context.Context, path string) ([]*Image, error) {
	tmp, err := os.MkdirTemp(s.dir, ".import-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tarPath, err := s.plainTar(path, tmp)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", path, err)
	}
	kind, err := archiveKind(tarPath)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", path, err)
	}
	var imgs []*Image
	switch kind {
	case "docker":
		imgs, err = s.importDocker(ctx, tarPath)
	default:
		imgs, err = s.importOCI(ctx, tarPath, filepath.Join(tmp, "layout"))
	}
	if err != nil {
		err = fmt.Errorf("importing %s: %w", path, err)
	}
	return imgs, err
}

// plainTar returns the path of the archive's tar stream: the file itself,
// or its decompressed copy in tmp (docker save archives are read at random).
func (s *Store) plainTar(path, tmp string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if kind, err := compressionOf(br); err != nil || kind == "" {
		return path, err
	}
	dec, err := decompress(br)
	if err != nil {
		return "", err
	}
	defer dec.Close()
	out := filepath.Join(tmp, "archive.tar")
	w, err := os.Create(out)
	if err != nil {
		return "", err
	}
	defer w.Close()
	if _, err := io.Copy(w, &limitReader{r: dec, max: s.opts.MaxLayerSize}); err != nil {
		return "", err
	}
	return out, w.Close()
}

// archiveKind tells a docker save archive (manifest.json) from an OCI
// image layout (index.json). Docker 25's archives are both; manifest.json
// wins, as it names the images.
func archiveKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	oci := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("not a tar archive: %w", err)
		}
		switch strings.TrimPrefix(hdr.Name, "./") {
		case "manifest.json":
			return "docker", nil
		case "index.json":
			oci = true
		}
	}
	if oci {
		return "oci", nil
	}
	return "", errors.New("neither a docker save archive (manifest.json) nor an OCI image layout (index.json)")
}

// importDocker stores the images of a docker save archive.
func (s *Store) importDocker(ctx context.Context, path string) ([]*Image, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, err
	}
	var imgs []*Image
	var errs []error
	for _, d := range m {
		var tag *name.Tag
		if len(d.RepoTags) > 0 {
			t, err := name.NewTag(d.RepoTags[0])
			if err != nil {
				errs = append(errs, err)
				continue
			}
			tag = &t
		} else if len(m) > 1 {
			errs = append(errs, fmt.Errorf("image %s has no RepoTags in an archive of %d images", d.Config, len(m)))
			continue
		}
		img, err := tarball.Image(opener, tag)
		if err == nil {
			img, err = uncompressedImage(img)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		stored, err := s.Add(ctx, img, d.RepoTags...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		imgs = append(imgs, stored)
	}
	return imgs, errors.Join(errs...)
}

// importOCI stores the images of an OCI image layout archive, extracted
// into dir.
func (s *Store) importOCI(ctx context.Context, path, dir string) ([]*Image, error) {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	u := &unpacker{lim: unpackLimits{MaxBytes: s.opts.MaxLayerSize, MaxEntries: s.opts.MaxLayerEntries}, plain: true}
	_, err = u.run(ctx, f, dir)
	f.Close()
	if err != nil {
		return nil, err
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var imgs []*Image
	var errs []error
	for _, d := range im.Manifests {
		img, err := platformImage(idx, d)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.Digest, err))
			continue
		}
		stored, err := s.Add(ctx, img, layoutNames(d.Annotations)...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		imgs = append(imgs, stored)
	}
	return imgs, errors.Join(errs...)
}

// layoutNames returns the references an index.json entry's annotations
// give.
func layoutNames(ann map[string]string) []string {
	if n := ann[containerdNameAnnotation]; n != "" {
		return []string{n}
	}
	if n := ann[refNameAnnotation]; strings.ContainsAny(n, "/:@") {
		if _, err := Normalize(n); err == nil {
			return []string{n}
		}
	}
	return nil
}

// platformImage returns the image a descriptor names: itself, or this
// machine's platform's image of an index.
func platformImage(idx v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	if d.MediaType.IsImage() {
		return idx.Image(d.Digest)
	}
	if !d.MediaType.IsIndex() {
		return nil, fmt.Errorf("unsupported media type %q", d.MediaType)
	}
	child, err := idx.ImageIndex(d.Digest)
	if err != nil {
		return nil, err
	}
	im, err := child.IndexManifest()
	if err != nil {
		return nil, err
	}
	want := v1.Platform{OS: "linux", Architecture: goruntime.GOARCH}
	for _, c := range im.Manifests {
		if c.Platform != nil && c.Platform.Satisfies(want) && c.MediaType.IsImage() {
			return child.Image(c.Digest)
		}
	}
	return nil, fmt.Errorf("no image for %s/%s in the index", want.OS, want.Architecture)
}

// logImported logs an import's result.
func logImported(ctx context.Context, path string, imgs []*Image, err error) {
	logger := klog.FromContext(ctx)
	for _, img := range imgs {
		logger.Info("Imported image", "file", path, "names", img.Names, "digest", img.Digest)
	}
	if err != nil {
		logger.Error(err, "Importing images", "file", path)
	}
}
