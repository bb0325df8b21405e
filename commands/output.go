package commands

import (
	"bytes"
	"io"

	"github.com/goccy/go-yaml"
	"github.com/urfave/cli/v2"
)

// Output formats of --output (-o): the long form of --json, and YAML for people who read
// configuration. rotate keeps -o/--output for its output file.
const (
	outputText = "text"
	outputJSON = "json"
	outputYAML = "yaml"
)

// addOutputFlags gives every command that has --json (subcommands included, and commands added
// later) --output json|yaml|text, with -o when the command has no -o of its own.
func addOutputFlags(cmds []*cli.Command, u *ui) {
	for _, c := range cmds {
		addOutputFlags(c.Subcommands, u)
		if !hasFlag(c, flagJSON) || hasFlag(c, "output") {
			continue
		}
		f := &cli.StringFlag{Name: "output", Usage: "output `FORMAT`: text (for people), json (= --json: one object per line) or yaml (one document per object)"}
		if !hasFlag(c, "o") {
			f.Aliases = []string{"o"}
		}
		c.Flags = append(c.Flags, f)
		before := c.Before
		c.Before = func(ctx *cli.Context) error {
			if before != nil {
				if err := before(ctx); err != nil {
					return err
				}
			}
			if !ctx.IsSet("output") {
				return nil
			}
			switch ctx.String("output") {
			case outputText:
				if ctx.Bool(flagJSON) {
					return usageErr("--output text and --json contradict each other")
				}
			case outputJSON:
				return ctx.Set(flagJSON, "true")
			case outputYAML:
				y := &yamlLines{w: u.out}
				u.out = y
				u.flush = y.flush
				return ctx.Set(flagJSON, "true")
			default:
				return usageErr("--output %q: want text, json or yaml", ctx.String("output"))
			}
			return nil
		}
	}
}

func hasFlag(c *cli.Command, name string) bool {
	for _, f := range c.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// yamlLines turns the JSON Lines the commands write into a stream of YAML documents, one per
// object, in the objects' key order.
type yamlLines struct {
	w   io.Writer
	buf []byte
	err error
}

func (y *yamlLines) Write(p []byte) (int, error) {
	if y.err != nil {
		return 0, y.err
	}
	y.buf = append(y.buf, p...)
	for {
		i := bytes.IndexByte(y.buf, '\n')
		if i < 0 {
			break
		}
		y.line(y.buf[:i])
		y.buf = y.buf[i+1:]
	}
	if len(y.buf) == 0 {
		y.buf = nil
	}
	return len(p), y.err
}

func (y *yamlLines) line(l []byte) {
	if len(bytes.TrimSpace(l)) == 0 || y.err != nil {
		return
	}
	out, err := yaml.JSONToYAML(l)
	if err != nil {
		out = append(append([]byte{}, l...), '\n') // not JSON: as it is
	}
	if _, err := y.w.Write(append([]byte("---\n"), out...)); err != nil {
		y.err = err
	}
}

func (y *yamlLines) flush() {
	if len(y.buf) > 0 {
		y.line(y.buf)
		y.buf = nil
	}
}
