//go:build unix

package commands

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// hostileTree: sessions whose ids hold a newline, spaces, a tab, a carriage return, next to the
// sessions those ids would become if they were split or trimmed. admin=true marks the ones a
// listing selects.
func hostileTree(t *testing.T) (root string, ids map[string]bool) {
	root = t.TempDir()
	ids = map[string]bool{
		"ab\ncd": true, " abcd": true, "x\ty": true, "ab\r": true, "a\"b": true,
		"ab": false, "cd": false, "abcd": false, "x": false, "y": false,
	}
	for id, admin := range ids {
		v := "userId=%23su-1&admin=%23bof"
		if admin {
			v = "userId=%23su-1&admin=%23bot"
		}
		writeSessionFile(t, root, id, v, time.Time{})
	}
	return root, ids
}

func left(t *testing.T, root string) []string {
	_, out, _ := runBin(t, nil, "storage", "list", "--store", "dir:"+root, "--json")
	var got []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var v struct{ ID string }
		json.Unmarshal(sc.Bytes(), &v)
		got = append(got, v.ID)
	}
	sort.Strings(got)
	return got
}

func wantLeft(ids map[string]bool) []string {
	var w []string
	for id, admin := range ids {
		if !admin {
			w = append(w, id)
		}
	}
	sort.Strings(w)
	return w
}

// TestHostileIDs: list's text output quotes ids that hold spaces, quotes or control characters,
// so one cannot pass for another or forge a line; invalidate takes stdin lines exactly (nothing
// trimmed); and the pipeline list --json | jq -j '.id + "\u0000"' | invalidate -0 - removes
// exactly the sessions listed, never the ones a newline or a trim would make of them.
func TestHostileIDs(t *testing.T) {
	root, ids := hostileTree(t)
	_, text, _ := runBin(t, nil, "storage", "list", "--store", "dir:"+root, "--sorted")
	for _, want := range []string{`"ab\ncd"  `, `" abcd"  `, `"x\ty"  `, `"ab\r"  `, `"a\"b"  `, "\nabcd  ", "\nab  "} {
		if !strings.Contains("\n"+text, want) {
			t.Errorf("list text: %q not in\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n"); n != len(ids) {
		t.Errorf("list text: %d lines for %d sessions", n, len(ids))
	}

	t.Run("lines taken exactly", func(t *testing.T) {
		root, _ := hostileTree(t)
		// " abcd" and "ab\r" name those sessions, not abcd and ab
		code, _, errOut := runBin(t, []byte(" abcd\nab\r\n"), "storage", "invalidate", "--store", "dir:"+root, "-")
		got := left(t, root)
		if code != 0 || strings.Contains(strings.Join(got, "|"), " abcd") || !contains(got, "abcd") || !contains(got, "ab") || contains(got, "ab\r") {
			t.Errorf("exit %d, left %q, stderr %q", code, got, errOut)
		}
		if !strings.Contains(errOut, "1 id(s) end in a carriage return") {
			t.Errorf("no word about the carriage return: %q", errOut)
		}
	})

	t.Run("-0 pipeline", func(t *testing.T) {
		root, ids := hostileTree(t)
		_, listed, _ := runBin(t, nil, "storage", "list", "--store", "dir:"+root, "--json", "--match", "admin=true")
		var nul bytes.Buffer
		sc := bufio.NewScanner(strings.NewReader(listed))
		for sc.Scan() {
			var v struct{ ID string }
			json.Unmarshal(sc.Bytes(), &v)
			nul.WriteString(v.ID + "\x00")
		}
		code, _, errOut := runBin(t, nul.Bytes(), "storage", "invalidate", "--store", "dir:"+root, "-0", "-")
		if got := left(t, root); code != 0 || strings.Join(got, "|") != strings.Join(wantLeft(ids), "|") {
			t.Errorf("exit %d %s; left %q, want %q", code, errOut, got, wantLeft(ids))
		}
	})

	t.Run("README pipeline with jq", func(t *testing.T) {
		if _, err := exec.LookPath("jq"); err != nil {
			t.Skip("jq is not installed")
		}
		root, ids := hostileTree(t)
		bin, _ := exec.LookPath("sessionctl")
		sh := exec.Command("bash", "-c", `"$0" storage list --store "$1" --json --match admin=true | jq -j '.id + "\u0000"' | "$0" storage invalidate --store "$1" -0 -`, bin, "dir:"+root)
		repo, _ := filepath.Abs("..")
		sh.Env = append(os.Environ(), "SESSIONCTL_REPO="+repo, "NO_COLOR=1")
		out, err := sh.CombinedOutput()
		if got := left(t, root); err != nil || strings.Join(got, "|") != strings.Join(wantLeft(ids), "|") {
			t.Errorf("%v %s; left %q, want %q", err, out, got, wantLeft(ids))
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestAppendEntryJSON: list --json's hot path writes what marshalJSON writes, with and without a
// TTL, for ids that need escaping (then marshalJSON itself) and for the other fields.
func TestAppendEntryJSON(t *testing.T) {
	ttl, zero, neg := int64(86399), int64(0), int64(-5)
	val := "v"
	for _, v := range []entryView{
		{ID: "abc", Size: 152, Modified: "2026-12-01T14:00:00Z", Age: 3456000},
		{ID: "abc", Size: 152, Modified: "2026-12-01T14:00:00Z", Age: -3, TTL: &ttl},
		{ID: "abc", Size: 0, Modified: "2026-12-01T14:00:00Z", Age: 0, TTL: &zero},
		{ID: "abc", Size: 1, Modified: "x", Age: 1, TTL: &neg},
		{ID: "a\"b\\c\n\u2028<&>\x1b", Size: 1, Modified: "2026-12-01T14:00:00Z", TTL: &ttl},
		{ID: "é", Size: 1, Modified: "2026-12-01T14:00:00Z"},
		{ID: "abc", Size: 1, Modified: "2026-12-01T14:00:00Z", Value: &val, Format: "text", Error: "e"},
	} {
		want, err := marshalJSON(&v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendEntryJSON([]byte("prefix"), &v); string(got) != "prefix"+string(want)+"\n" {
			t.Errorf("appendEntryJSON(%+v) = %s, want %s", v, got, want)
		}
	}
}
