package soracomfake

import (
	"bytes"
	"encoding/json"
	"sort"
)

// tag is one property of a TagSet.
type tag struct{ name, value string }

// tagSet is a TagSet kept as a sorted slice: a map per SIM would cost far
// more memory for a 100,000-SIM fleet than the few tags it holds.
type tagSet []tag

func (t tagSet) sort() { sort.Slice(t, func(i, j int) bool { return t[i].name < t[j].name }) }

func (t tagSet) get(name string) (string, bool) {
	for _, x := range t {
		if x.name == name {
			return x.value, true
		}
	}
	return "", false
}

func (t tagSet) asMap() map[string]string {
	m := make(map[string]string, len(t))
	for _, x := range t {
		m[x.name] = x.value
	}
	return m
}

// MarshalJSON writes the tags as a JSON object with keys in sorted order.
func (t tagSet) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range t {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(x.name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(x.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
