package apispec

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

//go:embed soracom-api.en.yaml
var specYAML []byte

// apiBasePath is where every operation of the definition lives. The
// definition's servers name the production hosts; tests serve on loopback
// with any port, so routing keeps only this path prefix.
const apiBasePath = "/v1"

// spec is the loaded definition and a router over its operations. Both are
// read-only after loading and shared by every Validator in the process.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	loadOnce   sync.Once
	loadedSpec *spec
	loadErr    error
)

// sharedSpec loads the embedded definition on first use. Parsing and
// resolving ~1 MB of YAML takes a noticeable fraction of a second, far too
// slow to repeat for every test.
func sharedSpec() (*spec, error) {
	loadOnce.Do(func() { loadedSpec, loadErr = loadSpec(specYAML) })
	return loadedSpec, loadErr
}

func loadSpec(data []byte) (*spec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading SORACOM API definition: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: apiBasePath}}
	forbidUndeclaredProperties(doc)
	// The definition contradicts itself in places that say nothing about
	// live traffic: an example that fails its own schema (GetOrderResponse
	// gives a tag value as a number) and a default outside its enum ("and"
	// for the status of GET /query/sigfox_devices). Traffic is still checked
	// against the schemas themselves.
	router, err := legacy.NewRouter(doc,
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
	)
	if err != nil {
		return nil, fmt.Errorf("routing SORACOM API definition: %w", err)
	}
	return &spec{doc: doc, router: router}, nil
}
