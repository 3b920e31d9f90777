package config

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// yaml.v3 reports decoding problems as strings. These match the ones it
// produces (decode.go in go.yaml.in/yaml/v3) and the ones nodeError makes.
var (
	reUnknownField = regexp.MustCompile(`^line (\d+): field (.*) not found in type (.+)$`)
	reWrongType    = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+)(?: `.*`)? into (.+)$")
	reDuplicateKey = regexp.MustCompile(`^line (\d+): mapping key (".*") already defined at line (\d+)$`)
	reAtColumn     = regexp.MustCompile(`^line (\d+) column (\d+): (.*)$`)
	reAtLine       = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// inlineSecretKeys are keys people write when they put a secret in the
// file; the hint says where the secret goes instead.
var inlineSecretKeys = map[string]string{
	"auth_key": "secrets are not accepted inline; use auth_key_env or auth_key_file",
	"password": "secrets are not accepted inline; use password_env or password_file",
}

// decodeProblems turns a yaml.v3 error into problems that name the key path.
func decodeProblems(err error, pos *positions, data []byte) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{syntaxProblem(err, data)}
	}
	out := make([]Problem, 0, len(te.Errors))
	for _, msg := range te.Errors {
		out = append(out, typeProblem(msg, pos))
	}
	return out
}

// syntaxProblem reports a file that is not YAML at all.
func syntaxProblem(err error, data []byte) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	m := reAtLine.FindStringSubmatch(msg)
	if m == nil {
		return Problem{Message: "not valid YAML: " + msg}
	}
	line, msg := atoi(m[1]), m[2]
	// yaml.v3 reports the line where the construct around a tab began;
	// point at the tab itself.
	if tab := firstTabIndentedLine(data); tab > 0 && (strings.Contains(msg, "tab") || tab == line || tab == line+1) {
		return Problem{Line: tab, Message: msg + " (indent with spaces: YAML does not allow tabs)"}
	}
	return Problem{Line: line, Message: msg}
}

// firstTabIndentedLine returns the first line whose indentation holds a
// tab, or 0.
func firstTabIndentedLine(data []byte) int {
	for i, l := range strings.Split(string(data), "\n") {
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if strings.Contains(indent, "\t") {
			return i + 1
		}
	}
	return 0
}

// typeProblem rewrites one of yaml.v3's decoding messages.
func typeProblem(msg string, pos *positions) Problem {
	if m := reUnknownField.FindStringSubmatch(msg); m != nil {
		return unknownKeyProblem(atoi(m[1]), m[2], m[3], pos)
	}
	if m := reWrongType.FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		got := describeTag(m[2])
		if n, ok := pos.valueOfType(line, kindOfTag(m[2]), m[3]); ok && n.goType != nil {
			return Problem{Line: line, Path: pathOrTop(n.path), Message: "expected " + describeType(n.goType) + ", got " + got}
		}
		return Problem{Line: line, Message: "cannot use " + got + " here"}
	}
	if m := reDuplicateKey.FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		name, _ := strconv.Unquote(m[2])
		where := ""
		if k, ok := pos.key(line, name); ok {
			where = " in " + pathOrTop(k.parent)
		}
		return Problem{Line: line, Message: "key " + strconv.Quote(name) + " is repeated" + where + " (first at line " + m[3] + "): keep one"}
	}
	if m := reAtColumn.FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		p := Problem{Line: line, Message: m[3]}
		if n, ok := pos.valueAt(line, atoi(m[2])); ok {
			p.Path = n.path
		}
		return p
	}
	if m := reAtLine.FindStringSubmatch(msg); m != nil {
		return Problem{Line: atoi(m[1]), Message: m[2]}
	}
	return Problem{Message: msg}
}

func unknownKeyProblem(line int, name, typeName string, pos *positions) Problem {
	msg := "unknown key " + strconv.Quote(name)
	keys := validKeys(structTypes()[typeName])
	// The key is not found where yaml.v3 says when it came through an
	// alias or a merge (<<); the message then goes without the path.
	if k, ok := pos.key(line, name); ok {
		msg += " in " + pathOrTop(k.parent)
	}
	if len(keys) > 0 {
		msg += " (valid keys: " + strings.Join(keys, ", ") + ")"
	}
	if hint, ok := inlineSecretKeys[snakeCase(name)]; ok {
		msg += ": " + hint
	} else if s := snakeCase(name); s != name && slices.Contains(keys, s) {
		msg += ": did you mean " + s + "?"
	}
	return Problem{Line: line, Message: msg}
}

// structTypes maps the names yaml.v3 gives the configuration's struct
// types ("config.CredentialSource") to the types.
var structTypes = sync.OnceValue(func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	var visit func(reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || m[t.String()] != nil {
			return
		}
		m[t.String()] = t
		for _, f := range yamlFields(t) {
			visit(f.typ)
		}
	}
	visit(reflect.TypeFor[Config]())
	return m
})

func pathOrTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

func kindOfTag(tag string) yaml.Kind {
	switch tag {
	case "!!seq":
		return yaml.SequenceNode
	case "!!map":
		return yaml.MappingNode
	}
	return yaml.ScalarNode
}

// describeType names what a Go type accepts, in the words of the file.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list (write [value] for a single value)"
	case reflect.Map, reflect.Struct:
		return "a mapping of keys to values"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

// snakeCase turns soracom-cli's JSON names (authKeyId) into this file's
// (auth_key_id), to suggest the right key.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
