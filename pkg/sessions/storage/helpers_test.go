package storage

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const ktorTree = "../../../testdata/ktor/directory-storage.tar.gz"
const ktorTreeJSON = "../../../testdata/ktor/directory-storage.json"

type ktorOp struct {
	Op         string          `json:"op"`
	ID         string          `json:"id"`
	Result     json.RawMessage `json:"result"`
	Write      json.RawMessage `json:"write"`
	Read       json.RawMessage `json:"read"`
	Invalidate json.RawMessage `json:"invalidate"`
}

type ktorTreeMeta struct {
	Live        map[string]string `json:"live"`
	Invalidated []string          `json:"invalidated"`
	Operations  []ktorOp          `json:"operations"`
	Files       []string          `json:"filesInTree"`
	Dirs        []string          `json:"directoriesInTree"`
	Side        []struct {
		ReadUnknownID string `json:"readUnknownId"`
	} `json:"unknownIdReadSideEffects"`
}

// extractKtorTree unpacks the tree real Ktor wrote into a temporary directory
// and returns its root with the metadata.
func extractKtorTree(t testing.TB) (string, ktorTreeMeta) {
	t.Helper()
	var meta ktorTreeMeta
	b, err := os.ReadFile(ktorTreeJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(ktorTree)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(h.Name, "..") && !strings.HasSuffix(h.Name, "..dat") {
			t.Fatalf("unsafe name in tar: %q", h.Name)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, h.ModTime, h.ModTime); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(dir, "dsroot"), meta
}

// treeFiles lists the regular files and directories under root, relative, with slashes.
func treeFiles(t testing.TB, root string) (files, dirs []string) {
	t.Helper()
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if fi.IsDir() {
			if rel == "." {
				rel = ""
			}
			dirs = append(dirs, rel)
		} else {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, dirs
}
