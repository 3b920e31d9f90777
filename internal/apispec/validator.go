package apispec

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// maxViolationLen keeps one violation readable in test output; schema
// errors over large bodies can otherwise run to many kilobytes.
const maxViolationLen = 600

// Validator checks HTTP traffic against the SORACOM API definition and keeps
// what it found until Reset. It is safe for concurrent use.
type Validator struct {
	spec *spec

	mu             sync.Mutex
	allowMalformed bool
	violations     []string
	operations     map[string]int
}

// New returns a Validator over the embedded definition. The definition is
// loaded once per process and shared; it panics if the embedded copy cannot
// be loaded, which no test could recover from anyway.
func New() *Validator {
	s, err := sharedSpec()
	if err != nil {
		panic(err)
	}
	return &Validator{spec: s, operations: map[string]int{}}
}

// AllowMalformed decides whether a 2xx response whose body is not valid JSON,
// where the definition documents a JSON body, is accepted. It is off by
// default: a broken success body is a bug in the fake. Turn it on for tests
// that make the fake send broken bodies on purpose. Broken bodies on 429 and
// 5xx responses are always accepted, since the definition does not describe
// them and fault injection sends them deliberately.
func (v *Validator) AllowMalformed(allow bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.allowMalformed = allow
}

// Violations returns what failed so far, in the order it was found.
func (v *Validator) Violations() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.violations...)
}

// Operations counts the requests seen per operationId of the definition,
// whether or not they passed, so tests can assert which operations they
// exercised.
func (v *Validator) Operations() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	counts := make(map[string]int, len(v.operations))
	for op, n := range v.operations {
		counts[op] = n
	}
	return counts
}

// Reset forgets the violations and operation counts recorded so far.
func (v *Validator) Reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.violations = nil
	v.operations = map[string]int{}
}

// Require fails t, listing every violation v has recorded.
func Require(t testing.TB, v *Validator) {
	t.Helper()
	violations := v.Violations()
	if len(violations) == 0 {
		return
	}
	t.Errorf("%d request(s)/response(s) do not match the SORACOM API definition:\n  %s",
		len(violations), strings.Join(violations, "\n  "))
}

func (v *Validator) countOperation(operationID string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.operations[operationID]++
}

func (v *Validator) malformedAllowed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.allowMalformed
}

// exchange names one request in violations.
type exchange struct {
	method, target, operationID string
}

func (e exchange) String() string {
	op := e.operationID
	if op == "" {
		op = "no operation"
	}
	return fmt.Sprintf("%s %s (%s)", e.method, e.target, op)
}

// addViolation records that part ("request", "response 200") of ex failed
// with problem.
func (v *Validator) addViolation(ex exchange, part, problem string) {
	msg := fmt.Sprintf("%s: %s: %s", ex, part, oneLine(problem))
	msg = truncate(msg, maxViolationLen)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.violations = append(v.violations, msg)
}

// oneLine folds a multi-line error message so each violation stays one
// entry in the list Require prints.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate shortens s to at most n bytes without splitting a UTF-8
// character, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// sortedKeys returns m's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
