package soracomfake

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
)

// permissions holds the operations the fake's credentials may not call, as
// a SAM user whose permission policy lacks them: SORACOM answers such a call
// 403 once the token is valid, and a fresh token changes nothing.
type permissions struct {
	mu     sync.Mutex
	denied map[string]bool // operationId
}

func newPermissions(denied []string) *permissions {
	p := &permissions{}
	if err := p.set(denied); err != nil {
		panic("soracomfake: Options.DeniedOperations: " + err.Error())
	}
	return p
}

func (p *permissions) set(denied []string) error {
	m := map[string]bool{}
	for _, id := range denied {
		if id == "auth" || !knownOperation(id) {
			return fmt.Errorf("unknown operation %q: use one of the operationIds the fake serves (%v), not auth", id, OperationIDs()[1:])
		}
		m[id] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.denied = m
	return nil
}

func (p *permissions) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.denied))
	for id := range p.denied {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// permits answers 403 itself when the operation is denied.
func (f *Fake) permits(rq *request, operationID string) bool {
	f.perms.mu.Lock()
	denied := f.perms.denied[operationID]
	f.perms.mu.Unlock()
	if denied {
		rq.fail(http.StatusForbidden, codeForbidden, "the permission policy of these credentials does not allow "+operationID)
	}
	return !denied
}

// DenyOperations replaces the operations the credentials lack permission
// for (operationIds such as "getSubscriber"); none clears them. Unknown
// operations are refused.
func (f *Fake) DenyOperations(operationIDs ...string) error { return f.perms.set(operationIDs) }

// DeniedOperations returns the operations answered 403, sorted.
func (f *Fake) DeniedOperations() []string { return f.perms.list() }
