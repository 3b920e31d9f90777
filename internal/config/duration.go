package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Duration is a span of time written as Prometheus or Go write it: 60s, 5m,
// 1h30m, 1d, 1.5h.
type Duration time.Duration

// String prints the duration the way Prometheus does ("1m", not "1m0s").
func (d Duration) String() string { return model.Duration(d).String() }

// MarshalYAML writes the duration as a string that UnmarshalYAML accepts.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML accepts a positive duration with a unit. A bare number is
// refused: "60" could mean seconds or nanoseconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, "expected a duration such as 60s or 5m, got %s", describeNode(n))
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return nodeError(n, "%v", err)
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return 0, fmt.Errorf("%q has no unit: write %ss for seconds, %sm for minutes", s, s, s)
	}
	// Prometheus' syntax first (it knows d, w, y); Go's for fractions.
	v, err := model.ParseDuration(s)
	if err != nil {
		gv, gerr := time.ParseDuration(s)
		if gerr != nil {
			return 0, fmt.Errorf("%q is not a duration such as 60s, 5m or 1h", s)
		}
		v = model.Duration(gv)
	}
	if v <= 0 {
		return 0, fmt.Errorf("%q: a duration must be greater than zero (leave the key out for the default)", s)
	}
	return time.Duration(v), nil
}

// nodeError reports a problem at a node in the form yaml.v3 collects from
// unmarshalers, so that decoding goes on and every problem is reported.
// The column lets the message be traced back to the key path.
func nodeError(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{
		fmt.Sprintf("line %d column %d: %s", n.Line, n.Column, fmt.Sprintf(format, args...)),
	}}
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	return describeTag(n.ShortTag())
}

// describeTag names a YAML tag (!!str, !!seq) in words.
func describeTag(tag string) string {
	switch tag {
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!str":
		return "a string"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	case "!!null":
		return "nothing"
	case "!!timestamp":
		return "a timestamp"
	}
	return "a " + strings.TrimPrefix(tag, "!!")
}
