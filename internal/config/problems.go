package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error lists every problem found in a configuration file.
type Error struct {
	File     string
	Problems []Problem
}

// Problem is one thing to fix.
type Problem struct {
	Line    int    // 0 when unknown
	Path    string // key path such as accounts[1].credentials; may be empty
	Message string // what is wrong and what to do
}

// Error prints one problem per line, each naming the file.
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ": line %d", p.Line)
		}
		if p.Path != "" {
			b.WriteString(": " + p.Path)
		}
		b.WriteString(": " + p.Message)
	}
	return b.String()
}

// problems collects problems while a file is checked.
type problems struct {
	pos  *positions // nil for a Config built in code
	list []Problem
}

// add records a problem about path, at the line of path when known.
func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Line: ps.pos.lineOf(path), Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems as an *Error, or nil when there are none.
func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	if file == "" {
		file = "configuration"
	}
	// In file order, which is how people fix them; problems without a
	// line (a missing section) come first.
	slices.SortStableFunc(ps.list, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return &Error{File: file, Problems: ps.list}
}
