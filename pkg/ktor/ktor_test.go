package ktor

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// boundaries is written from Ktor's source, independently of the table: for
// each change, the last release without it and the first with it (and, for
// a change that was undone, the last with it and the first without it).
// A wrong First or Until in the table fails here.
var boundaries = []struct {
	c                    Change
	without, with        string
	lastWith, firstAgain string
}{
	{DigestDefaultSHA384, "1.0.1", "1.1.0", "", ""},
	{DigestDeprecated, "1.0.1", "1.1.0", "", ""},
	{DigestDeprecatedErr, "1.2.1", "1.2.2", "", ""},
	{DigestRemoved, "1.6.8", "2.0.0", "", ""},
	{MACDefaultSHA256, "1.1.1", "1.1.2", "", ""},
	{ChainReadReversed, "1.2.0", "1.2.1", "", ""},
	{EncryptMACCiphertext, "2.3.13", "3.0.0", "", ""},
	{EncryptStrictHex, "3.4.3", "3.5.0", "", ""},
	{EncryptBlockSizedIV, "3.5.0", "3.5.1", "", ""},
	{CookieSessionDuration, "1.0.0", "1.0.1", "", ""},
	{CookieMaxAgeClamped, "1.1.1", "1.1.2", "", ""},
	{CookieMaxAgeSeconds, "1.2.6", "1.3.0", "", ""},
	{CookieMaxAgeNullable, "2.3.13", "3.0.0", "", ""},
	{CookieDefaultPathHTTP, "1.1.5", "1.2.0", "", ""},
	{CookieEqualsAllowed, "1.1.5", "1.2.0", "", ""},
	{CookieErrorDQuotes, "1.4.2", "1.4.3", "", ""},
	{CookieErrorCannot, "1.5.2", "1.5.3", "", ""},
	{Base64EncodeUnsigned, "1.0.1", "1.1.0", "", ""},
	{Base64DecodeUTF8, "1.2.2", "1.2.3", "", ""},
	{Base64DecodeURLSafe, "3.1.1", "3.1.2", "", ""},
	{Base64DecodeStrict, "3.3.3", "3.4.0", "", ""},
	{ReceiveConfiguredEnc, "1.6.5", "1.6.6", "", ""},
	{CookieHeaderWideNames, "1.6.8", "2.0.0", "", ""},
	{ClearCookieAttributes, "2.1.0", "2.1.1", "", ""},
	{CookieExtensionsRaw, "2.1.2", "2.1.3", "", ""},
	{URIEncodeQueryPart, "2.1.2", "2.1.3", "2.1.3", "2.2.0"},
	{URIEncodeParameter, "2.1.3", "2.2.0", "", ""},
	{RawUnchecked, "3.0.1", "3.0.2", "", ""},
	{TextFormKeepsEquals, "1.4.2", "1.4.3", "1.5.4", "1.6.0"},
	{TextNestedObjects, "1.4.3", "1.5.0", "", ""},
	{TextBackwardCompatible, "2.1.3", "2.2.0", "", ""},
	{DefaultSerializerJSON, "2.3.13", "3.0.0", "", ""},
	{SessionIDTwoNonces, "1.4.3", "1.5.0", "", ""},
	{SessionID64, "3.4.3", "3.5.0", "", ""},
	{UniqueProviders, "1.1.5", "1.2.0", "", ""},
	{IncomingUnreadable, "1.4.0", "1.4.1", "", ""},
	{SendOnlySet, "2.3.0", "2.3.1", "", ""},
	{SendOnlyIfModified, "3.4.3", "3.5.0", "", ""},
}

func TestChangeBoundaries(t *testing.T) {
	seen := map[Change]bool{}
	for _, b := range boundaries {
		seen[b.c] = true
		if MustParse(b.without).Has(b.c) {
			t.Errorf("%s: %s has it, want the change to start after it", b.c, b.without)
		}
		if !MustParse(b.with).Has(b.c) {
			t.Errorf("%s: %s lacks it, want it to be the first release with it", b.c, b.with)
		}
		if b.lastWith != "" {
			if !MustParse(b.lastWith).Has(b.c) || MustParse(b.firstAgain).Has(b.c) {
				t.Errorf("%s: want it in %s and gone again in %s", b.c, b.lastWith, b.firstAgain)
			}
		} else if !Newest().Has(b.c) {
			t.Errorf("%s: the newest release %s lacks it", b.c, Newest())
		}
	}
	for c := Change(1); c < numChanges; c++ {
		if !seen[c] {
			t.Errorf("%s has no boundary test", c)
		}
	}
}

func TestTableWellFormed(t *testing.T) {
	names := map[string]bool{}
	for i, in := range Table() {
		if in.Change != Change(i+1) {
			t.Errorf("table[%d] is %v, want %v (the table is indexed by Change)", i, in.Change, Change(i+1))
		}
		if names[in.Name] || in.Name == "" {
			t.Errorf("%v: name %q is empty or repeated", in.Change, in.Name)
		}
		names[in.Name] = true
		if !Known(in.First) || (in.Until != (Release{}) && !Known(in.Until)) {
			t.Errorf("%s: First %s / Until %s is not a known release", in.Name, in.First, in.Until)
		}
		if in.Old == "" || in.New == "" || !strings.Contains(in.Source, ".kt") && !strings.Contains(in.Source, "ktor-server") {
			t.Errorf("%s: Old, New and Source must all be given", in.Name)
		}
		if got, ok := ByName(in.Name); !ok || got.Change != in.Change {
			t.Errorf("ByName(%q) = %v, %v", in.Name, got.Change, ok)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want, line string
	}{
		{"3.0.0", "3.0.0", ""},
		{" v2.3.13 ", "2.3.13", ""},
		{"ktor-1.6.6", "1.6.6", ""},
		{"1.0.0", "1.0.0", ""},
		{"3", "3.5.2", "3.x"},
		{"3.x", "3.5.2", "3.x"},
		{"2", "2.3.13", "2.x"},
		{"1", "1.6.8", "1.x"},
		{"1.x", "1.6.8", "1.x"},
		{"1.6", "1.6.8", "1.6.x"},
		{"1.0", "1.0.1", "1.0.x"},
		{"2.3.x", "2.3.13", "2.3.x"},
		{"3.4", "3.4.3", "3.4.x"},
		{"head", "3.5.2", "Ktor"},
		{"main", "3.5.2", "Ktor"},
	} {
		v, err := Parse(tc.in)
		if err != nil || v.Release.String() != tc.want || v.Line != tc.line || v.Alias() != (tc.line != "") {
			t.Errorf("Parse(%q) = %v (line %q), %v; want %s (line %q)", tc.in, v.Release, v.Line, err, tc.want, tc.line)
		}
	}
	v, _ := Parse("3")
	if got := v.String(); got != "3.5.2 (3 = the newest 3.x release)" {
		t.Errorf("alias String() = %q", got)
	}
	for name, covers := range map[string]map[string]bool{
		"3":     {"3.0.0": true, "3.5.2": true, "2.3.13": false},
		"2.3":   {"2.3.0": true, "2.3.13": true, "2.2.4": false, "3.0.0": false},
		"head":  {"1.0.0": true, "3.5.2": true},
		"3.0.0": {"3.0.0": true, "3.0.1": false},
	} {
		v, _ := Parse(name)
		for rel, want := range covers {
			if v.Covers(MustParse(rel)) != want {
				t.Errorf("%s covers %s: %v, want %v", name, rel, !want, want)
			}
		}
	}
	if !Any().Covers(Oldest()) || Any().Release != Newest() {
		t.Error("Any")
	}
}

func TestParseErrorsNameTheNearest(t *testing.T) {
	for _, tc := range []struct {
		in      string
		nearest string
		reason  string
	}{
		{"2.3.14", "2.3.13, 3.0.0", "the 2.3 line ends at 2.3.13"},
		{"3.6.0", "3.5.2", "newer than the newest known release 3.5.2"},
		{"3.5.3", "3.5.2", "newer than"},
		{"4", "3.5.2", "no Ktor 4.x release"},
		{"2.4", "2.3.13, 3.0.0", "no Ktor 2.4.x release exists"},
		{"0.9.5", "1.0.0", "before 1.0.0"},
		{"3.0.0-beta-2", "2.3.13, 3.0.0", "pre-releases"},
		{"1.3.2.1", "1.3.2, 1.4.0", "four-part"},
		{"", "", "empty"},
		{"three", "", "not a version number"},
		{"1..2", "", "not a version number"},
	} {
		_, err := Parse(tc.in)
		var ve *VersionError
		if !errors.As(err, &ve) || !errors.Is(err, ErrUnknown) {
			t.Errorf("Parse(%q) error = %v, want a *VersionError", tc.in, err)
			continue
		}
		var names []string
		for _, r := range ve.Nearest {
			names = append(names, r.String())
		}
		if strings.Join(names, ", ") != tc.nearest || !strings.Contains(ve.Reason, tc.reason) {
			t.Errorf("Parse(%q): nearest %v, reason %q; want %s, %q", tc.in, names, ve.Reason, tc.nearest, tc.reason)
		}
		if tc.nearest != "" && !strings.Contains(err.Error(), "nearest known: "+tc.nearest) {
			t.Errorf("Parse(%q): message %q does not name the nearest releases", tc.in, err)
		}
	}
}

func TestSpans(t *testing.T) {
	spans := Spans()
	if spans[0].First != Oldest() || spans[len(spans)-1].Last != Newest() {
		t.Fatalf("spans do not cover %s..%s: %v", Oldest(), Newest(), spans)
	}
	for i, s := range spans {
		if i > 0 {
			prev := spans[i-1]
			if d := Differences(prev.Last, s.First); len(d) == 0 {
				t.Errorf("spans %v and %v behave alike: they should be one", prev, s)
			}
		}
		if d := Differences(s.First, s.Last); len(d) != 0 {
			t.Errorf("span %v: %s and %s differ on %s", s, s.First, s.Last, d[0].Name)
		}
	}
	// 3.0.0-3.0.1 differ from 3.0.2 only in RAW; 3.4.x is one span
	want := map[string]bool{"3.0.0–3.0.1": true, "3.4.0–3.4.3": true, "3.5.2": false, "3.5.1–3.5.2": true}
	got := map[string]bool{}
	for _, s := range spans {
		got[s.String()] = true
	}
	for s, in := range want {
		if got[s] != in {
			t.Errorf("span %s present = %v, want %v (spans %v)", s, got[s], in, spans)
		}
	}
}

func TestReleasesAreOrderedAndComplete(t *testing.T) {
	rs := Releases()
	for i := 1; i < len(rs); i++ {
		if !rs[i-1].Before(rs[i]) {
			t.Fatalf("%s is not before %s", rs[i-1], rs[i])
		}
	}
	// the last release of every line, as tagged in github.com/ktorio/ktor
	for _, s := range []string{"1.0.1", "1.1.5", "1.2.6", "1.3.2", "1.4.3", "1.5.4", "1.6.8", "2.0.3", "2.1.3", "2.2.4", "2.3.13",
		"3.0.3", "3.1.3", "3.2.3", "3.3.3", "3.4.3", "3.5.2"} {
		if _, err := Parse(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// README's table of change points is this table: every change point has its row, with its release.
func TestREADMEListsTheTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[2]), "`") {
			continue
		}
		rows[strings.Trim(strings.TrimSpace(cells[2]), "`")] = strings.TrimSpace(cells[3])
	}
	for _, in := range Table() {
		want := in.First.String()
		if in.Until != (Release{}) {
			want += ", until " + in.Until.String()
		}
		if got, ok := rows[in.Name]; !ok || got != want {
			t.Errorf("README: %s from %q, the table says %q", in.Name, got, want)
		}
		delete(rows, in.Name)
	}
	for name := range rows {
		if _, ok := ByName(name); !ok && strings.Contains(name, "-") {
			t.Errorf("README lists %s, which the table does not have", name)
		}
	}
}
