package commands

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/sessionctl/sessionctl/pkg/encode"
	"github.com/sessionctl/sessionctl/pkg/keyring"
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

` + exitHelp,
		Flags: append(keyFlags(), jsonFlag(),
			&cli.StringFlag{Name: "payload", Usage: "the serialized session `TEXT` as the serializer wrote it"},
			&cli.StringSliceFlag{Name: "set", Usage: "a session field `NAME[:TYPE]=VALUE` (repeat)"},
			&cli.StringFlag{Name: "from-json", Usage: "the session fields as a JSON `OBJECT`"},
			&cli.StringFlag{Name: "iv", Usage: "fix the encryption IV (`HEX`) for reproducible output"},
			&cli.StringFlag{Name: flagNow, Usage: "the clock for Expires, RFC 3339 or Unix seconds"},
			&cli.BoolFlag{Name: "set-cookie", Usage: "print the whole Set-Cookie line"},
			encodingFlag("cookie encoding of the printed value: `uri|base64|dquotes|raw` (raw = the transport value itself)"),
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
	payload, err := encodePayload(c, p)
	if err != nil {
		return err
	}
	res, err := encode.Token(p, payload, encode.Options{Encoding: enc, SetCookie: c.Bool("set-cookie"), Now: now})
	if err != nil {
		if errors.Is(err, encode.ErrTransport) {
			return usageErr("--set-cookie: %v", err)
		}
		return &exitError{code: ExitInvalid, err: err}
	}
	if c.Bool(flagJSON) {
		b, _ := marshalJSON(res)
		fmt.Fprintf(u.out, "%s\n", b)
		return nil
	}
	fmt.Fprintln(u.out, res.Output())
	return nil
}

func encodePayload(c *cli.Context, p *keyring.Provider) (string, error) {
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
		j := c.String("from-json")
		in.JSON = &j
	}
	s, err := encode.Payload(p, in)
	if err != nil {
		var ee *encode.Error
		if errors.As(err, &ee) && ee.Op == "json" {
			return "", usageErr("--from-json: want a JSON object: %v", ee.Cause)
		}
		if errors.As(err, &ee) && ee.Op == "kotlinx" {
			return "", &exitError{code: ExitInvalid, err: err}
		}
		return "", usageErr("%v", err)
	}
	return s, nil
}
