// Package store keeps the latest snapshot of every (account, coverage,
// source) in memory and assembles them into the exposition served to
// scrapes and written to the textfile. Polls replace snapshots; scrapes only
// read them. A snapshot older than its source's max age is withdrawn from the
// output rather than served stale.
package store

import (
	"cmp"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
)

// Key identifies the snapshot of one source for one account and coverage.
type Key struct {
	Account  string
	Coverage string
	Source   string
}

func (k Key) String() string { return k.Account + "/" + k.Coverage + "/" + k.Source }

// Snapshot is the immutable result of one successful poll: its metrics,
// already rendered.
type Snapshot struct {
	Key
	OperatorID string
	Produced   time.Time
	// Items is what the poll counted (SIMs for the sessions source), for the
	// landing page and logs.
	Items    int
	Families map[*exposition.Family]*exposition.Fragment
	// Objects are the per-object (per-SIM) metrics, when the source renders
	// them so; each family's samples follow its Families fragment.
	Objects *exposition.ObjectView
}

// Store holds snapshots. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	snaps   map[Key]*Snapshot
	maxAge  map[Key]time.Duration
	gen     uint64
	cached  *View
	changed chan struct{}
}

// New returns an empty Store.
func New() *Store {
	return &Store{snaps: map[Key]*Snapshot{}, maxAge: map[Key]time.Duration{}, changed: make(chan struct{}, 1)}
}

// SetMaxAge sets how old a key's snapshot may grow before it is withdrawn.
func (s *Store) SetMaxAge(k Key, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxAge[k] = d
}

// Put replaces the snapshot of snap.Key.
func (s *Store) Put(snap *Snapshot) {
	s.mu.Lock()
	s.snaps[snap.Key] = snap
	s.gen++
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Delete withdraws k's snapshot and forgets its max age: its source or
// account is no longer configured.
func (s *Store) Delete(k Key) {
	s.mu.Lock()
	_, had := s.snaps[k]
	delete(s.snaps, k)
	delete(s.maxAge, k)
	if had {
		s.gen++
	}
	s.mu.Unlock()
	if had {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
}

// Get returns the current snapshot of k, stale or not, or nil.
func (s *Store) Get(k Key) *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snaps[k]
}

// Changed is signalled (without blocking, coalescing) after each Put.
func (s *Store) Changed() <-chan struct{} { return s.changed }

// Stale reports whether k's snapshot is missing or older than its max age.
func (s *Store) Stale(k Key, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.staleLocked(k, now)
}

func (s *Store) staleLocked(k Key, now time.Time) bool {
	snap := s.snaps[k]
	if snap == nil {
		return true
	}
	age := s.maxAge[k]
	return age > 0 && now.Sub(snap.Produced) > age
}

// View returns the exposition of every fresh snapshot at time now. The View
// is shared by all scrapes until a snapshot changes or ages out, so repeated
// scrapes neither allocate nor sort.
func (s *Store) View(now time.Time) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := make([]*Snapshot, 0, len(s.snaps))
	for k, snap := range s.snaps {
		if !s.staleLocked(k, now) {
			fresh = append(fresh, snap)
		}
	}
	if c := s.cached; c != nil && c.gen == s.gen && len(c.snaps) == len(fresh) {
		same := true
		for _, snap := range fresh {
			if !slices.Contains(c.snaps, snap) {
				same = false
				break
			}
		}
		if same {
			return c
		}
	}
	s.cached = buildView(s.gen, fresh)
	return s.cached
}

// View is an assembled exposition: family by family, the HELP/TYPE header
// then every snapshot's samples of that family.
type View struct {
	gen   uint64
	snaps []*Snapshot
	frags []*exposition.Fragment
	size  int
}

func buildView(gen uint64, snaps []*Snapshot) *View {
	slices.SortFunc(snaps, func(a, b *Snapshot) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Coverage, b.Coverage), cmp.Compare(a.Source, b.Source))
	})
	var fams []*exposition.Family
	seen := map[*exposition.Family]bool{}
	for _, snap := range snaps {
		for f := range snap.Families {
			if !seen[f] {
				seen[f] = true
				fams = append(fams, f)
			}
		}
		if snap.Objects != nil {
			for _, f := range snap.Objects.Families() {
				if !seen[f] {
					seen[f] = true
					fams = append(fams, f)
				}
			}
		}
	}
	slices.SortFunc(fams, func(a, b *exposition.Family) int { return cmp.Compare(a.Name, b.Name) })
	v := &View{gen: gen, snaps: snaps}
	for _, f := range fams {
		v.add(f.Header())
		for _, snap := range snaps {
			if fr := snap.Families[f]; fr != nil {
				v.add(fr)
			}
			if snap.Objects != nil {
				for _, fr := range snap.Objects.Fragments(f) {
					v.add(fr)
				}
			}
		}
	}
	return v
}

func (v *View) add(f *exposition.Fragment) {
	if f.Len() == 0 {
		return
	}
	v.frags = append(v.frags, f)
	v.size += f.Len()
}

// Size is the length of the plain text.
func (v *View) Size() int { return v.size }

// WriteTo writes the plain text. The per-SIM fragments keep only their
// DEFLATE data, so this inflates them: at 100,000 SIMs about a tenth of a
// second of CPU, which the gzip scrape (what Prometheus asks for) avoids.
func (v *View) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, f := range v.frags {
		m, err := f.WriteText(w)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// WriteGzip appends the pre-compressed fragments to a gzip member.
func (v *View) WriteGzip(g *exposition.GzipWriter) {
	for _, f := range v.frags {
		g.WriteFragment(f)
	}
}
