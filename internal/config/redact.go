package config

import (
	"bytes"

	"go.yaml.in/yaml/v3"
)

// Redacted returns the configuration as YAML, for the startup log and
// --config.check. The file holds no secrets (only where they are), so it
// shows everything except what soracom.Secret hides.
func (c *Config) Redacted() string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		// Encoding a Config cannot fail: it holds only strings, numbers,
		// lists and maps.
		return "<configuration could not be printed: " + err.Error() + ">"
	}
	_ = enc.Close()
	return b.String()
}

// String is Redacted.
func (c *Config) String() string { return c.Redacted() }
