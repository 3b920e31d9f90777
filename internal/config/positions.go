package config

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// positions remembers where each key and value of the file is and which Go
// type it decodes into. It turns a key path into a line for validation
// messages, and turns yaml.v3's messages, which know only a line, back into
// the key path they are about.
type positions struct {
	lines map[string]int // key path -> line of the key or list item
	nodes []position     // in document order
}

type position struct {
	path         string
	line, column int
	kind         yaml.Kind
	isKey        bool
	key          string       // the key's text, for keys
	parent       string       // path of the mapping holding the key, for keys
	goType       reflect.Type // what a value decodes into; nil when unknown
}

func indexPositions(root *yaml.Node) *positions {
	p := &positions{lines: map[string]int{}}
	p.walk(root, reflect.TypeFor[Config](), "")
	return p
}

func (p *positions) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			p.walk(c, t, path)
		}
		return
	}
	p.nodes = append(p.nodes, position{path: path, line: n.Line, column: n.Column, kind: n.Kind, goType: t})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			child := joinKey(path, k.Value)
			p.nodes = append(p.nodes, position{path: child, line: k.Line, column: k.Column, kind: k.Kind,
				isKey: true, key: k.Value, parent: path})
			p.remember(child, k.Line)
			p.walk(v, memberType(t, k.Value), child)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			child := path + index(i)
			p.remember(child, item.Line)
			p.walk(item, elemType(t), child)
		}
	}
}

// remember keeps the first line of a path; a repeated key is reported
// separately.
func (p *positions) remember(path string, line int) {
	if _, ok := p.lines[path]; !ok {
		p.lines[path] = line
	}
}

// lineOf returns the line of path, or of its nearest ancestor that is in the
// file (a missing key is reported at the mapping that lacks it), or 0.
func (p *positions) lineOf(path string) int {
	if p == nil {
		return 0
	}
	for path != "" {
		if l, ok := p.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// key finds the key named name on line.
func (p *positions) key(line int, name string) (position, bool) {
	for _, n := range p.nodes {
		if n.isKey && n.line == line && n.key == name {
			return n, true
		}
	}
	return position{}, false
}

// valueAt finds the value that starts at line and column.
func (p *positions) valueAt(line, column int) (position, bool) {
	for _, n := range p.nodes {
		if !n.isKey && n.line == line && n.column == column {
			return n, true
		}
	}
	return position{}, false
}

// valueOfType finds the value on line of the given YAML kind that decodes
// into the Go type named typeName (as reflect prints it). Several values
// can share a line ("- name: [x]" starts a list item and its name); the
// type tells them apart, and the innermost wins when it does not.
func (p *positions) valueOfType(line int, kind yaml.Kind, typeName string) (position, bool) {
	var best position
	found, exact := false, false
	for _, n := range p.nodes {
		if n.isKey || n.line != line || n.kind != kind {
			continue
		}
		isExact := n.goType != nil && n.goType.String() == typeName
		if isExact || !exact {
			best, found, exact = n, true, isExact
		}
	}
	return best, found
}

var plainKey = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// joinKey extends a key path; a key that would make the path ambiguous (a
// tag name with dots or spaces) is quoted.
func joinKey(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(i int) string { return "[" + strconv.Itoa(i) + "]" }

// parentPath strips the last element of a key path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			// A quoted key may contain "[": find the bracket that opens it.
			if q := strings.LastIndex(path, `["`); q >= 0 && strings.HasSuffix(path, `"]`) {
				i = q
			}
			return path[:i]
		}
	}
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i]
	}
	return ""
}

// memberType is the Go type that the value of key decodes into inside t,
// or nil.
func memberType(t reflect.Type, key string) reflect.Type {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
		for _, f := range yamlFields(t) {
			if f.name == key {
				return f.typ
			}
		}
	}
	return nil
}

func elemType(t reflect.Type) reflect.Type {
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		return t.Elem()
	}
	return nil
}

type yamlField struct {
	name string
	typ  reflect.Type
}

// yamlFields lists the keys a struct accepts, following inline structs as
// yaml.v3 does.
func yamlFields(t reflect.Type) []yamlField {
	var out []yamlField
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
			out = append(out, yamlFields(f.Type)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, yamlField{name: name, typ: f.Type})
	}
	return out
}

// validKeys lists the keys of a struct type, for "unknown key" messages.
func validKeys(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for _, f := range yamlFields(t) {
		keys = append(keys, f.name)
	}
	return keys
}
