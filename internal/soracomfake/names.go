package soracomfake

import "strconv"

// trickyNames are SIM and group names that break naive code: multi-byte
// text, quotes and backslashes that need escaping in exposition formats, a
// real newline, emoji, surrounding blanks and the empty string.
var trickyNames = []string{
	"会社検証用",
	`name with "quotes"`,
	`back\slash`,
	"new\nline",
	"🚚 delivery truck 🚀",
	"",
	"  padded  ",
	"tab\tand <html>&amp;",
}

var locations = []string{"Tokyo", "大阪", "Fukuoka", "London", "München", "São Paulo", ""}

// simName picks the value of a SIM's "name" tag. The definition of TagSet
// says the "name" property is always present and is "" for a SIM without a
// name, so unnamed SIMs get name:"".
func simName(r *rng, coverage string, i int) string {
	switch n := r.intn(100); {
	case n < 6:
		return trickyNames[r.intn(len(trickyNames))]
	case n < 12:
		return "" // never named
	case n < 20 && coverage == CoverageJapan:
		return "センサー-" + strconv.Itoa(i)
	default:
		return coverage + "-device-" + zeroPad(uint64(i), 6)
	}
}

// simTags returns the SIM's tags: always "name", sometimes more.
func simTags(r *rng, name string) tagSet {
	t := tagSet{{"name", name}}
	if r.chance(0.5) {
		t = append(t, tag{"env", pick(r, []string{"prod", "staging", "dev"}, []int{6, 3, 1})})
	}
	if r.chance(0.3) {
		t = append(t, tag{"location", locations[r.intn(len(locations))]})
	}
	if r.chance(0.05) {
		t = append(t, tag{"メモ", `note "with" \ and 日本語`})
	}
	t.sort()
	return t
}

// groupNames are the names (tags.name) of a coverage's groups, in order.
var groupNames = []string{"production", "staging", "会社検証用グループ", `group "quoted"`, "emoji 📡 group", ""}
