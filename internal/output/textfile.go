package output

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Textfile writes the exposition to a file for node_exporter's textfile
// collector. Every write goes to a temporary file in the same directory,
// which is synced and then renamed over the target, so a reader sees either
// the previous file or the new one, never a partial one. The temporary name
// does not end in .prom, so node_exporter never reads it.
type Textfile struct {
	Path string
	Exp  *Exposition
	Log  *slog.Logger
}

// CheckTextfilePath reports a textfile path node_exporter would not read or
// that cannot be written, before any polling starts.
func CheckTextfilePath(path string) error {
	if !strings.HasSuffix(path, ".prom") {
		return fmt.Errorf("--output.textfile=%s: node_exporter's textfile collector only reads files ending in .prom", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("--output.textfile=%s: directory %s does not exist (create it, or point at node_exporter's --collector.textfile.directory)", path, dir)
	}
	return nil
}

// NewTextfile checks the path and returns a writer for it.
func NewTextfile(path string, exp *Exposition, log *slog.Logger) (*Textfile, error) {
	if err := CheckTextfilePath(path); err != nil {
		return nil, err
	}
	return &Textfile{Path: path, Exp: exp, Log: log}, nil
}

// Write replaces the file atomically.
func (t *Textfile) Write() (err error) {
	dir, base := filepath.Split(t.Path)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing textfile: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err = t.Exp.WriteText(bw, true); err != nil {
		return fmt.Errorf("writing textfile: %w", err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), t.Path); err != nil {
		return fmt.Errorf("replacing textfile %s: %w", t.Path, err)
	}
	return nil
}

// Run rewrites the file after every successful poll, and when data ages
// past its max age (checked every recheck interval), until ctx ends.
func (t *Textfile) Run(ctx context.Context, recheck time.Duration) {
	tick := time.NewTicker(recheck)
	defer tick.Stop()
	lastView := t.Exp.Store.View(t.Exp.now())
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Exp.Store.Changed():
		case <-tick.C:
			if v := t.Exp.Store.View(t.Exp.now()); v == lastView {
				continue
			}
		}
		lastView = t.Exp.Store.View(t.Exp.now())
		if err := t.Write(); err != nil {
			t.Log.Error("textfile not updated; the previous file stays", "path", t.Path, "err", err)
		}
	}
}
