package commands

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/encode"
	"github.com/sessionctl/sessionctl/pkg/inspect"
	"github.com/sessionctl/sessionctl/pkg/keyring"
	"github.com/sessionctl/sessionctl/pkg/sessions/codec"
	"github.com/sessionctl/sessionctl/pkg/sessions/serializer"
	"github.com/sessionctl/sessionctl/pkg/transform"
)

func encodeCommand(env Env, u *ui) *cli.Command {
	return &cli.Command{
		Name:  "encode",
		Usage: "build a token from a payload or from fields through the provider's chain",
		Description: `Serializes the session (from --payload, --set fields or --from-json), runs it through the
provider's transformers, and prints the transport value (cookie-encoded as the provider says,
or as --encoding says; raw = the transformed value itself) or, with --set-cookie, the whole
Set-Cookie line exactly as that Ktor version renders it.

Field syntax for --set: name=value with an optional Ktor type: name:Int=17, name:Long=5,
name:Double=3.0, name:Boolean=true, name:String=x, name:List<String>=a,b (see README).

EXAMPLES:
   sessionctl encode --example --provider USER_SESSION --set userId=u-1 --set loginCount:Int=3
   sessionctl encode --keys keys.toml --payload '{"name":"a"}' --iv 000102030405060708090a0b0c0d0e0f
   sessionctl encode --keys keys.toml --payload 'id=%23i1' --set-cookie --now 1700000000
   jq -c '{userId: .id, loginCount: .logins}' users.json | sessionctl encode --keys keys.toml --provider USER_SESSION --jsonl - > tokens.txt

--jsonl FILE|- builds one token per JSON object line, as rotate streams: invalid lines are
reported on stderr with their number and left out (exit 1); --json prints one object per line.

` + exitHelp,
		Flags: append(keyFlags(), jsonFlag(),
			&cli.StringFlag{Name: "payload", Usage: "the serialized session `TEXT` as the serializer wrote it"},
			&cli.StringSliceFlag{Name: "set", Usage: "a session field `NAME[:TYPE]=VALUE` (repeat)"},
			&cli.StringFlag{Name: "from-json", Usage: "the session fields as a JSON `OBJECT` ('-': read it from stdin)"},
			&cli.StringFlag{Name: "iv", Usage: "fix the encryption IV (`HEX`) for reproducible output"},
			&cli.StringFlag{Name: flagNow, Usage: "the clock for Expires, RFC 3339 or Unix seconds"},
			&cli.BoolFlag{Name: "set-cookie", Usage: "print the whole Set-Cookie line"},
			encodingFlag("cookie encoding of the printed value: `uri|base64|dquotes|raw` (raw = the transport value itself)"),
			&cli.StringFlag{Name: "jsonl", Usage: "build one token per line of `FILE` ('-': stdin), each a JSON object of fields; streaming, on every core, in input order"},
			&cli.IntFlag{Name: "workers", Usage: "--jsonl: worker goroutines (default: every core)"},
		),
		Action: func(c *cli.Context) error { return runEncode(c, env, u) },
	}
}

func runEncode(c *cli.Context, env Env, u *ui) error {
	kr, name, err := loadKeyring(c, env, u)
	if err != nil {
		return err
	}
	if kr == nil {
		return usageHint("give --keys FILE --provider NAME, --example, or chain flags such as --mac-key HEX", "encode needs a provider")
	}
	if name == "" {
		return usageHint("the keyring has several providers: "+fmt.Sprint(kr.ProviderNames()), "--provider is required")
	}
	if s := c.String("iv"); s != "" {
		iv, err := hex.DecodeString(s)
		if err != nil {
			return usageErr("--iv: not hex: %v", err)
		}
		kr.SetIV(transform.FixedIV(iv))
	}
	p, err := kr.Provider(name)
	if err != nil {
		return configErr(err)
	}
	now, err := parseNow(c.String(flagNow), env.Now())
	if err != nil {
		return err
	}
	enc, err := parseEncodingFlag(c)
	if err != nil {
		return err
	}
	if c.IsSet("jsonl") {
		return encodeJSONL(c, env, u, p, enc, now)
	}
	payload, err := encodePayload(c, p, env)
	if err != nil {
		return err
	}
	tok, err := encode.Token(p, payload, encode.Options{Encoding: enc, SetCookie: c.Bool("set-cookie"), Now: now})
	if err != nil {
		if errors.Is(err, encode.ErrTransport) {
			return usageErr("--set-cookie: %v", err)
		}
		return &exitError{code: ExitInvalid, err: err}
	}
	value, out := tok.Value, tok.Output()
	res := encodeResult{Name: tok.Name, Payload: tok.Payload, Value: tok.Value, Cookie: tok.Cookie, SetCookie: tok.SetCookie}
	if p.Transport == "cookie" {
		cv := res.Cookie
		if cv == "" {
			cv = value
		}
		if n := inspect.CookieSizeNote(p.Name, cv); n != "" {
			u.warnf("%s", n)
		}
	}
	if c.Bool(flagJSON) {
		b, _ := marshalJSON(res)
		fmt.Fprintf(u.out, "%s\n", b)
		return nil
	}
	fmt.Fprintln(u.out, out)
	return nil
}

// encodeResult is encode's JSON: one object per token (with line and ok under --jsonl).
type encodeResult struct {
	Line      int    `json:"line,omitempty"`
	OK        bool   `json:"ok,omitempty"`
	Name      string `json:"name"`
	Payload   string `json:"payload"`
	Value     string `json:"transport_value"`
	Cookie    string `json:"cookie_value,omitempty"`
	SetCookie string `json:"set_cookie,omitempty"`
}

func encodePayload(c *cli.Context, p *keyring.Provider, env Env) (string, error) {
	n := 0
	for _, f := range []string{"payload", "set", "from-json"} {
		if c.IsSet(f) {
			n++
		}
	}
	if n != 1 {
		return "", usageHint("give exactly one of --payload TEXT, --set NAME=VALUE (repeatable) or --from-json OBJECT", "what to encode?")
	}
	if c.IsSet("payload") {
		return c.String("payload"), nil
	}
	var in encode.Session
	if c.IsSet("set") {
		in.Fields = []serializer.Field{}
		for _, s := range c.StringSlice("set") {
			f, err := serializer.ParseTypedField(s)
			if err != nil {
				return "", usageErr("--set %q: %v", s, err)
			}
			in.Fields = append(in.Fields, f)
		}
	} else {
		text := c.String("from-json")
		if text == "-" {
			b, err := io.ReadAll(io.LimitReader(env.Stdin, maxLine+1))
			if err != nil {
				return "", ioErr(fmt.Errorf("--from-json -: reading stdin: %w", err))
			}
			if len(b) > maxLine {
				return "", usageErr("--from-json -: stdin is longer than %d bytes", maxLine)
			}
			text = string(b)
		}
		in.JSON = &text
	}
	s, err := encode.Payload(p, in)
	if err != nil {
		var ee *encode.Error
		switch {
		case errors.As(err, &ee) && ee.Op == "json":
			return "", usageErr("--from-json: want a JSON object: %v", ee.Cause)
		case errors.As(err, &ee) && ee.Op == "kotlinx":
			return "", &exitError{code: ExitInvalid, err: err}
		}
		return "", usageErr("%v", err)
	}
	return s, nil
}

// payloadFromJSON: a JSON object's fields as the provider's serializer writes them.
func payloadFromJSON(text string, p *keyring.Provider) (string, error) {
	format := p.SerializerFormat()
	if format == "" {
		format = serializer.DefaultFormat(p.Profile)
	}
	v, err := serializer.DecodeJSON(text)
	if err == nil && v.Kind != serializer.KindJSONObject {
		err = fmt.Errorf("a JSON %s", strings.TrimPrefix(string(v.Kind), "j"))
	}
	if err != nil {
		return "", fmt.Errorf("want a JSON object: %v", err)
	}
	if format == serializer.FormatJSON {
		s, err := serializer.Encode(v, serializer.FormatJSON, p.Profile)
		if err != nil {
			return "", fmt.Errorf("kotlinx Json: %v", err)
		}
		return s, nil
	}
	s, err := serializer.EncodeFieldsWith(v.Fields, p.TextStyle, p.Profile)
	if err != nil {
		return "", fmt.Errorf("session fields: %v", err)
	}
	return s, nil
}

// encodeJSONL: encode --jsonl: one token per JSON object line, through rotate's pipeline (blocks of
// lines on every core, output in input order, memory bounded).
func encodeJSONL(c *cli.Context, env Env, u *ui, p *keyring.Provider, enc codec.Encoding, now time.Time) error {
	if c.IsSet("payload") || c.IsSet("set") || c.IsSet("from-json") {
		return usageHint("--jsonl reads every session from its input", "--jsonl does not mix with --payload, --set or --from-json")
	}
	setCookie, asJSON := c.Bool("set-cookie"), c.Bool(flagJSON)
	if setCookie && p.Transport != "cookie" {
		return usageErr("--set-cookie: provider %s uses the header transport", p.Name)
	}
	in, _, err := openInput(c.String("jsonl"), env.Stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	cc := p.Cookie
	if enc != "" {
		cc.Encoding = enc
	}
	cookieEnc := enc
	if cookieEnc == "" {
		cookieEnc = p.Cookie.Encoding
	}
	one := func(line string) (encodeResult, error) {
		payload, err := payloadFromJSON(line, p)
		if err != nil {
			return encodeResult{}, jsonlError{err}
		}
		value, err := p.Chain.Write(payload)
		if err != nil {
			return encodeResult{}, err
		}
		res := encodeResult{Name: p.Name, Payload: payload, Value: value}
		switch {
		case setCookie:
			if res.SetCookie, err = codec.RenderSetCookie(p.Name, value, cc, now, p.Profile); err != nil {
				return res, err
			}
		case p.Transport == "cookie" && cookieEnc != codec.Raw:
			if res.Cookie, err = codec.Encode(value, cookieEnc, p.Profile); err != nil {
				return res, err
			}
		}
		return res, nil
	}
	block := func(data []byte, line int) rotateDone {
		st := newRotateStats()
		out := make([]byte, 0, len(data)*2)
		var msgs []byte
		for len(data) > 0 {
			var l []byte
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				l, data = data[:i], data[i+1:]
			} else {
				l, data = data, nil
			}
			n := line
			line++
			l = bytes.TrimSuffix(l, []byte{'\r'})
			if len(bytes.TrimSpace(l)) == 0 {
				continue
			}
			st.lines++
			var res encodeResult
			var err error
			if len(l) > maxLine {
				// its end came in the same read as the block: as long a line as one streamed
				err = &lineTooLongError{Line: n, Size: int64(len(l))}
			} else {
				res, err = one(string(l))
			}
			if err != nil {
				code := inspect.ErrKind(err)
				if _, ok := err.(jsonlError); ok {
					code = inspect.CodeMalformed
				}
				if _, ok := err.(*lineTooLongError); ok {
					code = "too-long"
				}
				st.invalid++
				st.failures[code]++
				if asJSON {
					b, _ := marshalJSON(map[string]any{"line": n, "ok": false, "error": err.Error(), "error_code": code})
					out = append(append(out, b...), '\n')
				} else {
					msgs = fmt.Appendf(msgs, "sessionctl: line %d: %s\n", n, termSafe(err.Error()))
				}
				continue
			}
			st.rotated++
			if asJSON {
				res.Line, res.OK = n, true
				b, _ := marshalJSON(res)
				out = append(append(out, b...), '\n')
				continue
			}
			switch {
			case res.SetCookie != "":
				out = append(append(out, "Set-Cookie: "...), res.SetCookie...)
			case res.Cookie != "":
				out = append(out, res.Cookie...)
			default:
				out = append(out, res.Value...)
			}
			out = append(out, '\n')
		}
		return rotateDone{out: out, msgs: msgs, stats: st}
	}
	workers := c.Int("workers")
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	bw := bufio.NewWriterSize(u.out, 1<<20)
	// a line longer than maxLine is one invalid line, read through and never held whole
	tooLong := func(br *blockReader, blk lineBlock, send func(rotateDone)) error {
		size, err := br.streamLong(blk, nil)
		if err != nil {
			return err
		}
		st := newRotateStats()
		st.lines++
		st.invalid++
		st.failures["too-long"]++
		res := rotateDone{stats: st}
		lerr := &lineTooLongError{Line: blk.first, Size: size}
		if asJSON {
			b, _ := marshalJSON(map[string]any{"line": blk.first, "ok": false, "error": lerr.Error(), "error_code": "too-long"})
			res.out = append(b, '\n')
		} else {
			res.msgs = fmt.Appendf(nil, "sessionctl: line %d: %s\n", blk.first, termSafe(lerr.Error()))
		}
		send(res)
		return nil
	}
	stats, err := runBlocks(in, bw, u.err, workers, block, tooLong)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return ioErr(fmt.Errorf("output: %w", err))
	}
	if stats.lines == 0 {
		return usageErr("--jsonl: no JSON objects in the input")
	}
	if !asJSON || u.errTTY {
		u.infof("%d lines: %d encoded, %d invalid", stats.lines, stats.rotated, stats.invalid)
	}
	if stats.invalid > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

// jsonlError: a line of --jsonl that is not a JSON object of session fields.
type jsonlError struct{ err error }

func (e jsonlError) Error() string { return e.err.Error() }
