package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.err from the current messages")

// TestInvalidConfigs loads each testdata/invalid/*.yml and compares the
// error with the sibling .err file, so that every message is reviewed as
// the user sees it.
func TestInvalidConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".yml"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(data, name)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error; got:\n%s", cfg.Redacted())
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Errorf("error is %T, want *config.Error", err)
			}
			got := err.Error() + "\n"
			errFile := strings.TrimSuffix(file, ".yml") + ".err"
			if *update {
				if err := os.WriteFile(errFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(errFile)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it, then review it)", err)
			}
			if got != string(want) {
				t.Errorf("error mismatch\n got: %s\nwant: %s", got, want)
			}
			if strings.Contains(got, "do-not-print-me") {
				t.Errorf("the error repeats a secret written in the file:\n%s", got)
			}
		})
	}
}

// TestInvalidFixturesHaveExpectations catches an .err file left behind by a
// renamed fixture, which would otherwise be silently unused.
func TestInvalidFixturesHaveExpectations(t *testing.T) {
	errs, _ := filepath.Glob("testdata/invalid/*.err")
	for _, e := range errs {
		if _, err := os.Stat(strings.TrimSuffix(e, ".err") + ".yml"); err != nil {
			t.Errorf("%s has no .yml fixture", e)
		}
	}
}
