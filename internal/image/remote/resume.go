package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"k8s.io/klog/v2"
)

// maxResumes bounds how often one layer download is resumed after its
// connection broke.
const maxResumes = 5

// resumableImage is a fetched image whose layers resume a broken download
// with an HTTP Range request from the byte where it stopped, instead of
// starting the layer again (go-containerregistry fetches a blob whole).
type resumableImage struct {
	v1.Image
	src *blobSource
}

// blobSource is how to ask the endpoint an image came from for a range of
// one of its blobs.
type blobSource struct {
	ctx  context.Context
	repo name.Repository
	auth authn.Authenticator
	base http.RoundTripper
}

func (img *resumableImage) Layers() ([]v1.Layer, error) {
	layers, err := img.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(layers))
	for i, l := range layers {
		if out[i], err = img.src.wrap(l); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (img *resumableImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	l, err := img.Image.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	return img.src.wrap(l)
}

func (img *resumableImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	l, err := img.Image.LayerByDiffID(h)
	if err != nil {
		return nil, err
	}
	return img.src.wrap(l)
}

func (s *blobSource) wrap(l v1.Layer) (v1.Layer, error) {
	return partial.CompressedToLayer(&resumableLayer{Layer: l, src: s})
}

// resumableLayer is a layer whose Compressed stream resumes; Uncompressed
// (by partial.CompressedToLayer) decompresses that stream.
type resumableLayer struct {
	v1.Layer
	src *blobSource
}

func (l *resumableLayer) Compressed() (io.ReadCloser, error) {
	digest, err := l.Digest()
	if err != nil {
		return nil, err
	}
	size, err := l.Size()
	if err != nil {
		return nil, err
	}
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	return &resumeReader{rc: rc, src: l.src, digest: digest, size: size, sum: sha256.New()}, nil
}

// resumeReader reads a blob, reopening it from the current offset when the
// connection breaks, and verifies the whole blob's size and digest at the end
// (the first reader's own check covers only an unbroken stream).
type resumeReader struct {
	rc      io.ReadCloser
	src     *blobSource
	digest  v1.Hash
	size    int64
	n       int64
	sum     hash.Hash
	resumes int
}

func (r *resumeReader) Read(p []byte) (int, error) {
	for {
		n, err := r.rc.Read(p)
		r.n += int64(n)
		r.sum.Write(p[:n])
		switch {
		case err == io.EOF:
			return n, r.verify()
		case err == nil || n > 0 && !broken(err):
			return n, err
		case !broken(err) || r.resumes >= maxResumes || r.n >= r.size:
			return n, err
		}
		r.resumes++
		klog.FromContext(r.src.ctx).V(1).Info("Resuming layer download", "layer", r.digest, "offset", r.n, "size", r.size, "err", err)
		_ = r.rc.Close()
		rc, rerr := r.src.openRange(r.digest, r.n, r.size)
		if rerr != nil {
			r.rc = io.NopCloser(errReader{rerr})
			return n, fmt.Errorf("resume layer %s at byte %d: %w (after %v)", r.digest, r.n, rerr, err)
		}
		r.rc = rc
		if n > 0 {
			return n, nil
		}
	}
}

// broken says whether a read error is a connection that broke (worth a
// resume) rather than the blob's own verification failing.
func broken(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || classify(err) == Unreachable
}

func (r *resumeReader) verify() error {
	if r.n != r.size {
		return fmt.Errorf("layer %s: got %d bytes, want %d", r.digest, r.n, r.size)
	}
	if got := "sha256:" + hex.EncodeToString(r.sum.Sum(nil)); r.digest.Algorithm == "sha256" && got != r.digest.String() {
		return fmt.Errorf("layer %s: content has digest %s", r.digest, got)
	}
	return io.EOF
}

func (r *resumeReader) Close() error { return r.rc.Close() }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// openRange asks for a blob from byte offset to its end (a closed range:
// some registries refuse "bytes=N-"). A registry that ignores the
// Range header (200 instead of 206) is read past the bytes already had.
func (s *blobSource) openRange(digest v1.Hash, offset, size int64) (io.ReadCloser, error) {
	t, err := transport.NewWithContext(s.ctx, s.repo.Registry, s.auth, s.base, []string{s.repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: t}
	var last error
	for _, scheme := range s.schemes() {
		url := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", scheme, s.repo.RegistryStr(), s.repo.RepositoryStr(), digest)
		req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, size-1))
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		switch resp.StatusCode {
		case http.StatusPartialContent:
			return resp.Body, nil
		case http.StatusOK:
			if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
				resp.Body.Close()
				return nil, err
			}
			return resp.Body, nil
		}
		err = transport.CheckError(resp, http.StatusPartialContent)
		resp.Body.Close()
		return nil, err
	}
	return nil, last
}

// schemes are the URL schemes to try, as go-containerregistry does: HTTPS,
// then plain HTTP for registries it allows that for (loopback, http://
// mirror endpoints).
func (s *blobSource) schemes() []string {
	if s.repo.Scheme() == "http" {
		return []string{"https", "http"}
	}
	return []string{"https"}
}
