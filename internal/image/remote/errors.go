package remote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Kind sorts pull failures by what the agent does about them.
type Kind int

const (
	// Failed: the registry answered but the pull failed (a server error, a
	// bad manifest, a TLS certificate that does not verify).
	Failed Kind = iota
	// Unreachable: no registry answered (DNS, connection refused, network
	// unreachable, a dial or response timeout). Only then may the agent fall
	// back to its host image table.
	Unreachable
	// Unauthorized: the registry refused the credentials (401, 403).
	Unauthorized
	// NotFound: the registry has no such repository, tag or digest (404),
	// or no manifest for the node's platform.
	NotFound
	// InvalidName: the reference does not parse (the kubelet's
	// InvalidImageName).
	InvalidName
)

// Sentinels for errors.Is on a *PullError.
var (
	ErrUnreachable  = errors.New("registry unreachable")
	ErrUnauthorized = errors.New("pull access denied")
	ErrNotFound     = errors.New("not found")
	ErrInvalidName  = errors.New("invalid image name")
)

// PullError is the error of Puller.Fetch. Its message is worded as
// containerd's, which the kubelet shows in ErrImagePull events.
type PullError struct {
	Ref  string // the normalized reference, "docker.io/library/redis:7"
	Kind Kind
	Err  error // the last underlying error
}

func (e *PullError) Error() string {
	prefix := fmt.Sprintf("failed to pull and unpack image %q: ", e.Ref)
	switch e.Kind {
	case InvalidName:
		return fmt.Sprintf("failed to parse image reference %q: %v", e.Ref, e.Err)
	case NotFound:
		return prefix + fmt.Sprintf("failed to resolve reference %q: %s: not found", e.Ref, e.Ref)
	case Unauthorized:
		return prefix + fmt.Sprintf("failed to resolve reference %q: pull access denied, repository does not exist or may require authorization: %v", e.Ref, e.Err)
	case Unreachable:
		return prefix + fmt.Sprintf("failed to resolve reference %q: failed to do request: %v", e.Ref, e.Err)
	}
	return prefix + e.Err.Error()
}

func (e *PullError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnreachable) and friends work.
func (e *PullError) Is(target error) bool {
	switch target {
	case ErrUnreachable:
		return e.Kind == Unreachable
	case ErrUnauthorized:
		return e.Kind == Unauthorized
	case ErrNotFound:
		return e.Kind == NotFound
	case ErrInvalidName:
		return e.Kind == InvalidName
	}
	return false
}

// IsUnreachable says whether err is a pull that reached no registry.
func IsUnreachable(err error) bool { return errors.Is(err, ErrUnreachable) }

// IsRefused says whether a registry answered no: unauthorized or not found.
func IsRefused(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotFound)
}

// classify sorts an error from go-containerregistry. The HTTP status (or the
// registry's error code) decides first; a TLS failure is a configuration
// problem with a registry that answered, not an unreachable one; the rest of
// the network errors (dial, DNS, timeouts, resets) are unreachable.
func classify(err error) Kind {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return classifyStatus(terr)
	}
	if strings.Contains(err.Error(), "no child with platform") {
		return NotFound
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &recordErr) {
		return Failed
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) {
		return Unreachable
	}
	var netErr net.Error
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if errors.As(err, &dnsErr) || errors.As(err, &opErr) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return Unreachable
	}
	return Failed
}

func classifyStatus(terr *transport.Error) Kind {
	for _, d := range terr.Errors {
		switch d.Code {
		case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
			return Unauthorized
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
			return NotFound
		}
	}
	switch terr.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return Unauthorized
	case http.StatusNotFound:
		return NotFound
	}
	return Failed
}
