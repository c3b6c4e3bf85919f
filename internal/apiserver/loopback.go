package apiserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/google/uuid"
	"k8s.io/apimachinery/pkg/runtime"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
)

// applyLoopback gives the server's own clients (controllers, the local
// agent, admission) a loopback connection, as k8s.io/apiserver's
// SecureServingOptionsWithLoopback does: a certificate only this process
// knows, served for the name apiserver-loopback-client, and a random
// bearer token that authenticates as system:apiserver.
//
// Why not SecureServingOptionsWithLoopback: it makes an RSA-2048 key at
// every start, and RSA key generation searches for primes: from 0.1 to
// over 1 s of CPU, at random, on every `ordo server` start (a test run
// starts ~150). An ECDSA P-256 key takes microseconds and TLS verifies it
// the same way; the certificate never leaves the process.
func applyLoopback(serving *genericapiserver.SecureServingInfo, loopback **rest.Config) error {
	certPEM, keyPEM, err := loopbackCertificate()
	if err != nil {
		return fmt.Errorf("loopback certificate: %w", err)
	}
	provider, err := dynamiccertificates.NewStaticSNICertKeyContent("self-signed loopback", certPEM, keyPEM, genericapiserver.LoopbackClientServerNameOverride)
	if err != nil {
		return fmt.Errorf("loopback certificate: %w", err)
	}
	// First, so that it wins over any other certificate for the name.
	serving.SNICerts = append([]dynamiccertificates.SNICertKeyContentProvider{provider}, serving.SNICerts...)
	cfg, err := serving.NewLoopbackClientConfig(uuid.New().String(), certPEM)
	if err != nil {
		return err
	}
	*loopback = cfg
	return nil
}

// loopbackCertificate is a self-signed P-256 certificate for
// apiserver-loopback-client, valid for ten years (certutil's CA
// lifetime); it lives only as long as the process.
func loopbackCertificate() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	cert, err := certutil.NewSelfSignedCACert(certutil.Config{CommonName: genericapiserver.LoopbackClientServerNameOverride}, key)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// protobufConfig is cfg speaking protobuf, as kube-controller-manager and
// the kubelet do (--kube-api-content-type): the typed loopback client
// serves the local agent (its pod watch and every status patch's reply),
// the server's own informers and admission, and protobuf costs both ends
// of the loopback several times less CPU than JSON. It is a copy: the
// generic server's LoopbackClientConfig also backs dynamic clients of
// custom resources, which have no protobuf form. Patch bodies stay JSON
// (their content type is the patch type).
func protobufConfig(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.ContentType = runtime.ContentTypeProtobuf
	c.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	return c
}
