package commands

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/inspect"
)

func verifyCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check tokens tersely: one line (or JSON object) per token, exit status 0 only if all are valid",
		ArgsUsage: "[VALUE...|-]",
		Description: `Reads tokens from the arguments, or one per line from --from FILE, or from stdin ('-' or no
argument). An argument that names an existing file is still read as a token, with a hint: did you
mean --from FILE?
A token is a bare value, NAME=value, a Cookie: header or a Set-Cookie: line (see inspect).
Over several tokens it ends with a rotation-readiness summary: how many tokens verified under
each key id, encrypt format and serializer, and how many failed and why.

EXAMPLES:
   sessionctl verify --keys keys.toml --provider USER_SESSION < tokens.txt
   sessionctl verify --keys keys.toml --provider USER_SESSION --from tokens.txt
   sessionctl verify --keys keys.toml --json --bare --encoding raw - < values.txt | jq .ok
   sessionctl verify --keys keys.toml --json < tokens.txt | jq -r 'select(.ok == false) | .error_code'

A line is VALID, VALID · EXPIRED (a Set-Cookie line whose Max-Age/Expires has passed) or INVALID;
the exit status is 0 only when every token is valid and none expired (--allow-expired: expired
cookies count as valid for the exit status; see 'sessionctl inspect
--help' for the verdicts; JSON: verdict, expired, expires_in_seconds, error_code).

` + exitHelp,
		Flags: append(keyFlags(), jsonFlag(),
			&cli.BoolFlag{Name: flagBare, Usage: "every input is a bare value, never NAME=value or a header"},
			encodingFlag("how bare values are cookie-encoded: `uri|base64|dquotes|raw` (raw = the transport value itself)"),
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing but the summary; the exit status tells"},
			fromFlag(),
			allowExpiredFlag(),
		),
		Action: func(c *cli.Context) error { return runVerify(c, env, u) },
	}
}

func runVerify(c *cli.Context, env Env, u *ui) error {
	a, err := newAnalyzer(c, env, u)
	if err != nil {
		return err
	}
	asJSON, quiet := c.Bool(flagJSON), c.Bool("quiet")
	out := bufio.NewWriterSize(u.out, 64<<10)
	defer out.Flush()
	sum := inspect.NewSummary()
	emit := func(r inspect.Result) error {
		sum.Add(r)
		if quiet {
			return nil
		}
		if asJSON {
			b, err := marshalJSON(r)
			if err != nil {
				return err
			}
			out.Write(b)
			return out.WriteByte('\n')
		}
		renderVerifyLine(out, u, r)
		return nil
	}
	one := func(text string, line int) error {
		r, err := a.VerifyOne(text)
		if err != nil {
			return configErr(err)
		}
		r.Line = line
		return emit(r)
	}
	args := c.Args().Slice()
	from := c.String(flagFrom)
	if from != "" && len(args) > 0 {
		return usageHint("give tokens as arguments or in --from FILE, not both", "--from %s and %d argument(s)", from, len(args))
	}
	if len(args) > 0 && !(len(args) == 1 && args[0] == "-") {
		for i, v := range args {
			hintFromFile(u, v)
			if err := one(v, i+1); err != nil {
				return err
			}
		}
	} else {
		if from == "" {
			from = c.Args().First()
		}
		in, _, err := openInput(from, env.Stdin)
		if err != nil {
			return err
		}
		defer in.Close()
		lr := newLineReader(in)
		for {
			line, n, err := lr.next()
			if err == io.EOF {
				break
			}
			var long *lineTooLongError
			if errors.As(err, &long) {
				r := inspect.Invalid("too-long", long.Error())
				r.Line = n
				if err := emit(r); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return ioErr(fmt.Errorf("reading input: %w", err))
			}
			if strings.TrimSpace(string(line)) == "" {
				continue
			}
			if err := one(string(line), n); err != nil {
				return err
			}
		}
	}
	if sum.Tokens == 0 {
		return usageErr("no tokens in the input")
	}
	sum.UnusedKeys = a.UnusedKeys(sum)
	if asJSON {
		b, _ := marshalJSON(map[string]any{"summary": sum})
		out.Write(b)
		out.WriteByte('\n')
	} else if sum.Tokens > 1 || quiet {
		renderSummary(out, u, sum)
	}
	if sum.Invalid > 0 || sum.Expired > 0 && !c.Bool(flagAllowExpired) {
		return silentExit(ExitInvalid)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
