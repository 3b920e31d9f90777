package config

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Load reads, checks and completes the configuration file at path.
// Relative secret file paths in it are taken relative to its directory and
// made absolute.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes a configuration file strictly, applies the defaults and
// validates the result. name is the file's path: it names the file in
// messages, and relative secret file paths are taken relative to its
// directory. Errors are *Error and list every problem found.
func Parse(data []byte, name string) (*Config, error) {
	c := Template()
	c.file = name
	if err := c.decode(data); err != nil {
		return nil, err
	}
	if err := c.Complete(name); err != nil {
		return nil, err
	}
	return c, nil
}

// Complete finishes a Config the way Parse finishes a file: it derives the
// defaults that depend on other settings (a source's timeout and max_age
// left at zero, an account's coverages), normalizes endpoints and relative
// secret file paths, and validates. It is for a Config built in code, such
// as from command-line flags; name stands for the file in messages, and
// relative paths are taken relative to its directory.
func (c *Config) Complete(name string) error {
	c.file = name
	c.applyDefaults()
	c.normalize(filepath.Dir(name))
	return c.Validate()
}

// decode reads data over the defaults already in c. When the file does not
// decode, only the decoding problems are reported: checking half-read
// values would add confusing follow-up messages.
func (c *Config) decode(data []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return &Error{File: c.file, Problems: []Problem{syntaxProblem(err, data)}}
	}
	c.pos = indexPositions(&root)

	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(c)
	if errors.Is(err, io.EOF) {
		return nil // empty, or only comments: Validate says what is missing
	}
	if err != nil {
		return &Error{File: c.file, Problems: decodeProblems(err, c.pos, data)}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		p := Problem{Message: "a second YAML document (after ---) is not supported: keep the whole configuration in one document"}
		if err == nil && len(next.Content) > 0 {
			p.Line = next.Content[0].Line
		}
		return &Error{File: c.file, Problems: []Problem{p}}
	}
	return nil
}

// normalize rewrites values into the form the rest of the exporter uses.
// Values that do not parse are left for Validate to report.
func (c *Config) normalize(dir string) {
	for i := range c.Accounts {
		a := &c.Accounts[i]
		for cov, raw := range a.Endpoints {
			if u, err := soracom.NormalizeEndpoint(raw); err == nil {
				a.Endpoints[cov] = u
			}
		}
		cr := &a.Credentials
		for _, p := range []*string{&cr.AuthKeyFile, &cr.PasswordFile} {
			if *p != "" && !filepath.IsAbs(*p) {
				// Absolute, so that the startup log says which file is read
				// whatever the working directory.
				*p = filepath.Join(dir, *p)
				if abs, err := filepath.Abs(*p); err == nil {
					*p = abs
				}
			}
		}
	}
}
