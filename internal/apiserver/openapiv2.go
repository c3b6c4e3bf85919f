package apiserver

import (
	"github.com/google/uuid"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/kube-openapi/pkg/builder"
	"k8s.io/kube-openapi/pkg/cached"
	"k8s.io/kube-openapi/pkg/common/restfuladapter"
	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/ordo-dev/ordo/internal/buildversion"
)

// installOpenAPI serves ordo's own groups' OpenAPI: v3 with each group
// version's document built on its first request (lazyOpenAPIV3), and v2
// built on its first request.
//
// Why not at start: the generic server builds the v2 document of every
// route before it serves (BuildOpenAPISpecFromRoutes over ~70 resources,
// a third of a second of CPU on 2 cores), and every `ordo server` start
// paid it, although only the aggregator's merged /openapi/v2 reads it and
// only when a client asks (kubectl explain, older clients; kubectl apply
// and server-side apply use v3). The document cannot change after start:
// ordo's routes are fixed once installed, so it is built once.
// Call after every group is installed; the server must have been created
// with SkipOpenAPIInstallation.
func installOpenAPI(s *genericapiserver.GenericAPIServer, cfg *genericapiserver.Config) error {
	if err := installLazyOpenAPIV3(s.Handler.GoRestfulContainer, cfg.OpenAPIV3Config, s.Handler.NonGoRestfulMux, buildversion.BinaryID()); err != nil {
		return err
	}
	container, v2Config, etag := s.Handler.GoRestfulContainer, cfg.OpenAPIConfig, uuid.New().String()
	v2 := cached.Once(cached.Func(func() (*spec.Swagger, string, error) {
		swagger, err := builder.BuildOpenAPISpecFromRoutes(restfuladapter.AdaptWebServices(container.RegisteredWebServices()), v2Config)
		if err != nil {
			return nil, "", err
		}
		swagger.Definitions = handler.PruneDefaults(swagger.Definitions)
		return swagger, etag, nil
	}))
	handler.NewOpenAPIServiceLazy(v2).RegisterOpenAPIVersionedService("/openapi/v2", s.Handler.NonGoRestfulMux)
	return nil
}
