package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Setting is one key of the configuration that the command line can set
// too. The flags are generated from the sections' fields: every key with a
// help tag is a flag named after its path (sources.air.per_sim_max_calls
// is --source.air.per-sim-max-calls) unless its flag tag names it; flag:"-"
// keeps a key out of the command line.
type Setting struct {
	// Path is the key's path in the file, as messages name it.
	Path string
	// Flag is the flag's name, without the dashes.
	Flag string
	Help string
	// Value reads the flag into the Config that Settings was called on. It
	// implements kingpin.Value and flag.Value.
	Value *Value
}

// Settings lists every key of c that a flag can set, bound to c's fields,
// in the order of the file.
func (c *Config) Settings() []Setting {
	var out []Setting
	walkSettings(reflect.ValueOf(c).Elem(), "", &out)
	return out
}

func walkSettings(v reflect.Value, path string, out *[]Setting) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		flag := f.Tag.Get("flag")
		if flag == "-" || name == "-" {
			continue
		}
		fv := v.Field(i)
		if strings.Contains(opts, "inline") {
			walkSettings(fv, path, out)
			continue
		}
		p := joinKey(path, name)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[Duration]() {
			walkSettings(fv, p, out)
			continue
		}
		help := f.Tag.Get("help")
		if help == "" {
			panic(fmt.Sprintf("config: %s has neither a help tag nor flag:\"-\"", p))
		}
		if flag == "" {
			flag = strings.ReplaceAll(strings.Replace(p, "sources.", "source.", 1), "_", "-")
		}
		val := &Value{v: fv}
		if !val.settable() {
			panic(fmt.Sprintf("config: %s is a %s, which no flag reads", p, f.Type))
		}
		*out = append(*out, Setting{Path: p, Flag: flag, Help: help + " (config " + p + ")", Value: val})
	}
}

// Value is a configuration field as a command-line value.
type Value struct{ v reflect.Value }

func (v *Value) settable() bool {
	switch v.v.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64, reflect.String:
		return true
	case reflect.Slice:
		return v.v.Type().Elem().Kind() == reflect.String
	}
	return false
}

// Set parses s into the field; a list takes one more element.
func (v *Value) Set(s string) error {
	f := v.v
	switch {
	case f.Type() == reflect.TypeFor[Duration]():
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		f.SetBool(b)
	case f.Kind() == reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		f.SetInt(int64(n))
	case f.Kind() == reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		f.SetFloat(x)
	case f.Kind() == reflect.String:
		f.SetString(s)
	case f.Kind() == reflect.Slice:
		f.Set(reflect.Append(f, reflect.ValueOf(s).Convert(f.Type().Elem())))
	}
	return nil
}

// String prints the field as a flag would be given.
func (v *Value) String() string {
	f := v.v
	switch {
	case f.Type() == reflect.TypeFor[Duration]():
		return Duration(f.Int()).String()
	case f.Kind() == reflect.Slice:
		parts := make([]string, f.Len())
		for i := range parts {
			parts[i] = f.Index(i).String()
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(f.Interface())
}

// Default is the field's current value as a flag's default, or "" when
// it has none worth showing (zero: derived from other settings, or empty).
func (v *Value) Default() string {
	if v.v.IsZero() || v.IsCumulative() {
		return ""
	}
	return v.String()
}

// IsBoolFlag makes a boolean a switch (--x, --no-x).
func (v *Value) IsBoolFlag() bool { return v.v.Kind() == reflect.Bool }

// IsCumulative makes a list repeatable.
func (v *Value) IsCumulative() bool { return v.v.Kind() == reflect.Slice }
