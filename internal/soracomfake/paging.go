package soracomfake

import (
	"net/http"
	"sort"
	"strconv"
)

// Paging follows the API: "limit" items at most, the next page's key in
// x-soracom-next-key and in a Link rel=next header, sent back as
// last_evaluated_key. Like the real API, pages are deliberately uneven: some
// pages in the middle of a list are shorter than the limit, and sometimes
// the last page still carries a next key that leads to an empty page.

// defaultPageLimit applies when a list call has no limit. 10 is the default
// the definition documents for searchSims; the list operations the fake
// serves document none.
const defaultPageLimit = 10

const maxPageLimit = 100

type pageParams struct {
	limit int
	after string // last_evaluated_key; "" for the first page
}

// parsePage reads limit and last_evaluated_key. A limit outside 1..100 is
// answered with 400.
func (rq *request) parsePage() (pageParams, bool) {
	q := rq.r.URL.Query()
	p := pageParams{limit: defaultPageLimit, after: q.Get("last_evaluated_key")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageLimit {
			rq.fail(http.StatusBadRequest, codeBadRequest, "limit must be an integer between 1 and 100")
			return p, false
		}
		p.limit = n
	}
	return p, true
}

// pageShape decides, from the seed, the operation, the page's start key and
// the limit, how many items this page holds and whether the server keeps a
// next key when the page reaches the end of the list. The same request
// always gets the same page.
func (f *Fake) pageShape(template, after string, limit int) (size int, trailing bool) {
	r := newRNG(uint64(f.opts.Seed), hashString(template), hashString(after), uint64(limit))
	size = limit
	if limit > 1 && r.chance(0.35) {
		size = limit - 1 - r.intn(max(1, limit/4))
	}
	return max(1, size), r.chance(0.5)
}

// pager walks a list sorted by its paging key.
type pager struct {
	n     int
	key   func(i int) string
	match func(i int) bool // nil: every item
}

// page returns the indexes of the items on the page and the next key ("" at
// the end of the list). With a filter it evaluates a window of items and
// returns those that match, as a scan with a filter does: a page may hold
// fewer matches than the limit, even none, and the next key is the last
// item evaluated.
func (rq *request) page(p pager, pp pageParams) (items []int, next string) {
	start := sort.Search(p.n, func(i int) bool { return p.key(i) > pp.after })
	size, trailing := rq.f.pageShape(rq.template, pp.after, pp.limit)
	end := min(start+size, p.n)
	for i := start; i < end; i++ {
		if p.match == nil || p.match(i) {
			items = append(items, i)
		}
	}
	if end < p.n || (end > start && (end-start == pp.limit || trailing)) {
		next = p.key(end - 1)
	}
	return items, next
}

// setNext announces the next page in x-soracom-next-key and in a Link
// header that repeats the request's other parameters.
func (rq *request) setNext(key string, limit int) {
	if key == "" {
		return
	}
	q := rq.r.URL.Query()
	q.Set("last_evaluated_key", key)
	q.Set("limit", strconv.Itoa(limit))
	h := rq.w.Header()
	h.Set("X-Soracom-Next-Key", key)
	h.Set("Link", "<"+rq.r.URL.EscapedPath()+"?"+q.Encode()+">; rel=next")
}
