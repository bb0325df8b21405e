package commands

import (
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/inspect"
	"github.com/sessionctl/sessionctl/pkg/keyring"
)

//go:embed example_cookie.txt
var exampleCookie string

func inspectCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show what is inside a session cookie: each layer unwrapped, the payload, the session fields, the expiry",
		ArgsUsage: "[VALUE|-]",
		Description: `Accepts a bare value, NAME=value, a Cookie: header, a Set-Cookie: line, or a pasted
'curl -i' response (every session cookie in it), as an argument or on stdin ('-').

How a bare value was cookie-encoded: --encoding; for a Set-Cookie line its $x-enc attribute,
then the provider's setting. Without keys it still explains the structure from the shape of
the value, shows a MAC'd or digested payload marked UNVERIFIED, and says what key material
would be needed.

EXAMPLES:
   sessionctl inspect --example
   sessionctl inspect --keys keys.toml 'Set-Cookie: USER_SESSION=…; Path=/; HttpOnly'
   curl -si https://app.example.com/login | sessionctl inspect --keys keys.toml -
   sessionctl inspect --mac-key 00112233… --ktor 2 'SESSION=a%3D%2523i1%2F…'
   sessionctl inspect --mac-key env:LEGACY_MAC --ktor 2 "$COOKIE"      # the key off the command line
   sessionctl inspect --encrypt-key @enc.key --sign-key @sign.key "$COOKIE"
   sessionctl inspect --json --keys keys.toml "$COOKIE" | jq .session
   sessionctl inspect --json --keys keys.toml "$COOKIE" | jq -r '.verdict, .expires_in_seconds, .error_code'
   sessionctl inspect --example -o yaml                  # --output json|yaml|text, the long form of --json
   sessionctl inspect --example --color never            # no colour, and no question to the terminal

VERDICTS:
   VALID            the value verifies (exit 0)
   VALID · EXPIRED  it verifies, but Max-Age/Expires has passed or deletes the cookie (exit 1,
                    or 0 with --allow-expired);
                    Max-Age counts from a pasted response's Date: header, else from now
   INVALID          it does not verify (exit 1): a MAC'd payload is still shown, UNTRUSTED; the key
                    ids tried are listed; a note names another provider whose keys verify it
   UNVERIFIED       no keys given: the structure only (exit 0)

` + exitHelp,
		Flags: append(keyFlags(), jsonFlag(),
			&cli.BoolFlag{Name: flagBare, Usage: "the input is a bare value, never NAME=value or a header"},
			encodingFlag("how a bare value is cookie-encoded: `uri|base64|dquotes|raw` (raw = the transport value itself)"),
			&cli.StringFlag{Name: flagNow, Usage: "the clock for expiry, RFC 3339 or Unix seconds (default: now)"},
			&cli.StringFlag{Name: flagStore, Usage: "storage for tracker = id sessions: dir:PATH or redis://… (default: the provider's)"},
			allowExpiredFlag(),
		),
		Action: func(c *cli.Context) error { return runInspect(c, env, u) },
	}
}

func newAnalyzer(c *cli.Context, env Env, u *ui) (*inspect.Analyzer, error) {
	kr, prov, err := loadKeyring(c, env, u)
	if err != nil {
		return nil, err
	}
	enc, err := parseEncodingFlag(c)
	if err != nil {
		return nil, err
	}
	now, err := parseNow(c.String(flagNow), env.Now())
	if err != nil {
		return nil, err
	}
	prof, err := ktorFlag(c)
	if err != nil {
		return nil, err
	}
	a := &inspect.Analyzer{Keyring: kr, Provider: prov, Bare: c.Bool(flagBare), Encoding: enc, Now: now, Profile: prof}
	if kr != nil && prov != "" {
		if _, err := kr.Provider(prov); err != nil {
			return nil, configErr(err)
		}
	}
	storeFlag := ""
	if c.IsSet(flagStore) {
		storeFlag = c.String(flagStore)
	}
	a.OpenStore = func(p *keyring.Provider) (inspect.Store, error) {
		url := p.Storage
		if storeFlag != "" {
			url = storeFlag
		}
		st, err := openStore(c.Context, url, env)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return a, nil
}

// maxInspectInput bounds what inspect reads from a file or stdin (a pasted response with its
// headers is a few KiB).
const maxInspectInput = 64 << 20

func runInspect(c *cli.Context, env Env, u *ui) error {
	a, err := newAnalyzer(c, env, u)
	if err != nil {
		return err
	}
	a.Explain = true        // a person debugging their own cookie: say whether the padding or the MAC failed
	a.AcrossReleases = true // which releases read it, when the provider leaves the release open
	var text string
	switch {
	case c.Args().Len() > 1:
		text = strings.Join(c.Args().Slice(), " ")
	case c.Args().Len() == 1 && c.Args().First() != "-":
		text = c.Args().First()
	case c.Args().Len() == 0 && c.Bool(flagExample):
		text = strings.TrimSpace(exampleCookie)
	default:
		in, _, err := openInput(c.Args().First(), env.Stdin)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(in, maxInspectInput+1))
		in.Close()
		if err != nil {
			return ioErr(fmt.Errorf("reading input: %w", err))
		}
		if len(b) > maxInspectInput {
			// never inspect a part as if it were all: say so
			return &exitError{code: ExitInvalid, err: fmt.Errorf("the input is longer than %d MiB: no cookie or pasted response is; nothing inspected", maxInspectInput>>20)}
		}
		text = string(b)
	}
	text = strings.TrimRight(text, "\r\n")
	if strings.TrimSpace(text) == "" {
		return usageErr("nothing to inspect: give a cookie value, a Cookie: or Set-Cookie: header, or '-' for stdin")
	}
	found, err := a.Found(text)
	if err != nil {
		return &exitError{code: ExitInvalid, err: fmt.Errorf("cannot read the input: %v", err)}
	}
	found, others := a.Keep(found)
	if len(others) > 0 && !c.Bool(flagJSON) {
		u.infof("not session cookies of the keyring, left out: %s", strings.Join(others, ", "))
	}
	if len(found) == 0 {
		return &exitError{code: ExitInvalid, err: fmt.Errorf("no cookie found in the input")}
	}
	bad := false
	for i, f := range found {
		r, err := a.Analyze(f)
		if err != nil {
			return configErr(err)
		}
		// an expired cookie verifies but a browser no longer sends it: exit 1 as for a finding
		if !r.OK && r.ErrKind != inspect.CodeUnverified || r.Expired && !c.Bool(flagAllowExpired) {
			bad = true
		}
		if c.Bool(flagJSON) {
			b, err := marshalJSON(r)
			if err != nil {
				return err
			}
			fmt.Fprintf(u.out, "%s\n", b)
			continue
		}
		if i > 0 {
			fmt.Fprintln(u.out)
		}
		renderInspect(u.out, u, r, a.Keyring == nil)
	}
	if bad {
		return silentExit(ExitInvalid)
	}
	return nil
}

const flagAllowExpired = "allow-expired"

// allowExpiredFlag: exit 0 for VALID · EXPIRED (as jwt-cli's --ignore-exp); the verdict stays.
func allowExpiredFlag() cli.Flag {
	return &cli.BoolFlag{Name: flagAllowExpired, Usage: "exit 0 for a cookie that verifies but has expired (the verdict still says EXPIRED)"}
}
