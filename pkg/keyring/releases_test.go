package keyring

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionctl/sessionctl/pkg/ktor"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
)

func provider(t *testing.T, src string) (*Provider, error) {
	t.Helper()
	kr, err := Parse("k.toml", []byte(src), Options{})
	if err != nil {
		return nil, err
	}
	return kr.Provider("P")
}

func TestKtorVersions(t *testing.T) {
	for src, want := range map[string]struct {
		rel   string
		alias bool
		set   bool
	}{
		"ktor = \"3.0.0\"": {"3.0.0", false, true},
		"ktor = \"2.3\"":   {"2.3.13", true, true},
		"ktor = 3":         {"3.5.2", true, true},
		"ktor = 1.6":       {"1.6.8", true, true},
		"ktor = \"head\"":  {"3.5.2", true, true},
		"":                 {"3.5.2", true, false},
	} {
		p, err := provider(t, "[providers.P]\n"+src)
		if err != nil || string(p.Profile) != want.rel || p.Version.Alias() != want.alias || p.KtorSet != want.set {
			t.Errorf("%q: %+v, %v; want %v", src, p, err, want)
		}
	}
	// unknown and future releases name the nearest known ones
	for src, near := range map[string]string{"ktor = \"2.3.14\"": "2.3.13, 3.0.0", "ktor = \"3.6.0\"": "3.5.2"} {
		_, err := provider(t, "[providers.P]\n"+src)
		if !errors.Is(err, ErrProvider) || !errors.Is(err, ktor.ErrUnknown) || !strings.Contains(err.Error(), "nearest known: "+near) {
			t.Errorf("%s: %v", src, err)
		}
	}
	// a whole TOML float cannot tell 3.0 from 3
	if _, err := provider(t, "[providers.P]\nktor = 3.0"); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), `ktor = "3.0"`) {
		t.Errorf("ktor = 3.0: %v", err)
	}
}

func TestMaxAgeForms(t *testing.T) {
	for src, want := range map[string]struct {
		n    int64
		zero bool
	}{
		"max_age = 60":                  {60, false},
		"max_age = 0":                   {0, false},
		"max_age = \"session\"":         {0, false},
		"max_age = \"zero\"":            {0, true},
		"max_age = 9223372036854775807": {9223372036854775807, false},
	} {
		p, err := provider(t, "[providers.P]\nktor = \"3.0.0\"\n[providers.P.cookie]\n"+src)
		if err != nil || p.Cookie.MaxAge != want.n || p.Cookie.ZeroMaxAge != want.zero {
			t.Errorf("%s: %+v, %v", src, p, err)
		}
	}
	if _, err := provider(t, "[providers.P]\n[providers.P.cookie]\nmax_age = \"soon\""); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), `"zero"`) {
		t.Errorf("max_age = soon: %v", err)
	}
}

func TestSerializerNames(t *testing.T) {
	for src, want := range map[string]struct {
		name  string
		style serializer.TextStyle
		f     serializer.Format
	}{
		"serializer = \"ktor-text\"":           {"ktor-text", serializer.Reflection, serializer.FormatText},
		"serializer = \"reflection\"":          {"ktor-text", serializer.Reflection, serializer.FormatText},
		"serializer = \"backward-compatible\"": {"backward-compatible", serializer.BackwardCompatible, serializer.FormatText},
		"serializer = \"json\"":                {"json", "", serializer.FormatJSON},
	} {
		p, err := provider(t, "[providers.P]\nktor = \"3.0.0\"\n"+src)
		if err != nil || p.Serializer != want.name || p.TextStyle != want.style || p.SerializerFormat() != want.f {
			t.Errorf("%s: %+v, %v", src, p, err)
		}
	}
	_, err := provider(t, "[providers.P]\nktor = \"2.1.3\"\nserializer = \"backward-compatible\"")
	if !errors.Is(err, ErrProvider) || !strings.Contains(err.Error(), "2.2.0") {
		t.Errorf("backward-compatible under 2.1.3: %v", err)
	}
}

func TestOverrideAndProviderAt(t *testing.T) {
	kr, err := Parse("k.toml", []byte("[providers.P]\nktor = \"2\"\nserializer = \"json\""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := kr.Provider("P")
	kr.Override("3.0.0", "ktor-text")
	q, err := kr.Provider("P")
	if err != nil || q == p || q.Profile != "3.0.0" || q.Version.Alias() || q.Serializer != "ktor-text" {
		t.Errorf("override: %+v, %v", q, err)
	}
	at, err := kr.ProviderAt("P", ktor.MustParse("1.4.3"))
	if err != nil || at.Profile != "1.4.3" || at.Serializer != "ktor-text" {
		t.Errorf("ProviderAt: %+v, %v", at, err)
	}
	if again, _ := kr.Provider("P"); again != q {
		t.Error("ProviderAt must not replace the cached provider")
	}
}
