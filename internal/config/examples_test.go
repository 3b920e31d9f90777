package config

import (
	"path/filepath"
	"testing"
)

// TestExamplesAreValid keeps the shipped examples in step with the code.
func TestExamplesAreValid(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yml")
	if err != nil || len(files) < 2 {
		t.Fatalf("examples not found: %v %v", files, err)
	}
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(c.Accounts) == 0 {
			t.Errorf("%s: no accounts", f)
		}
	}
}
