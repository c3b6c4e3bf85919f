package remote

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// schema is the set of fields registries.yaml may hold: a nested schema for
// an object with fixed keys, anyKey for a map keyed by host, leaf for a value.
type schema map[string]schema

const anyKey = "*any*"

var leaf = schema(nil)

var registriesSchema = schema{
	"mirrors": {anyKey: {"endpoint": leaf, "rewrite": leaf}},
	"configs": {anyKey: {
		"auth": {"username": leaf, "password": leaf, "auth": leaf, "identitytoken": leaf},
		"tls":  {"ca_file": leaf, "cert_file": leaf, "key_file": leaf, "insecure_skip_verify": leaf},
	}},
}

// checkFields reports the first field registries.yaml does not define, by
// its path (configs["r.example.com"].auth.user), which the JSON decoder's
// strict mode names only by its last key.
func checkFields(data []byte) error {
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return err
	}
	return walkFields(raw, registriesSchema, "")
}

func walkFields(v any, s schema, path string) error {
	obj, ok := v.(map[string]any)
	if !ok || s == nil {
		return nil // type errors are the decoder's to report
	}
	for _, k := range sortedKeys(obj) {
		sub, known := s[k]
		p := path + "." + k
		if path == "" {
			p = k
		}
		if !known {
			if sub, known = s[anyKey]; known {
				p = fmt.Sprintf("%s[%q]", path, k)
			}
		}
		if !known {
			return fmt.Errorf("unknown field \"%s\"", p)
		}
		if err := walkFields(obj[k], sub, p); err != nil {
			return err
		}
	}
	return nil
}
