package transform

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/sessionctl/sessionctl/internal/javautf8"
	"github.com/sessionctl/sessionctl/pkg/ktor"
)

// Format is the encrypt wire format.
type Format string

const (
	// FormatCurrent is Ktor 3's format (KTOR-6318): the MAC covers the
	// ciphertext and is checked before decrypting; the IV is not authenticated.
	FormatCurrent Format = "current"
	// FormatLegacy is Ktor 1.x-2.x's format: the MAC covers the plaintext, so
	// a read decrypts before it authenticates (a padding oracle).
	FormatLegacy Format = "legacy"
)

// ParseFormat reads "current"/"legacy" (also "3", "ktor3", "1", "2", "ktor2").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "current", "3", "3.x", "ktor3", "new":
		return FormatCurrent, nil
	case "legacy", "1", "1.x", "2", "2.x", "ktor1", "ktor2", "old":
		return FormatLegacy, nil
	}
	return "", &ConfigError{Transform: "encrypt", Field: "format", Detail: "unknown format " + quote(s) + " (want current or legacy)"}
}

// IVSource is Ktor's ivGenerator: it returns size bytes (Ktor asks for the
// key length before 3.5.1, for 16 since). nil means crypto/rand.
type IVSource func(size int) ([]byte, error)

// FixedIV returns iv whatever size is asked for, like a test ivGenerator that
// ignores its argument. For reproducible writes only.
func FixedIV(iv []byte) IVSource {
	c := append([]byte(nil), iv...)
	return func(int) ([]byte, error) { return append([]byte(nil), c...), nil }
}

// EncryptOptions configures NewEncrypt.
type EncryptOptions struct {
	EncKeys, SignKeys      []Key  // the first of each writes; reads try them all
	EncAlgorithm           string // "AES" (default); "AES-128"/"AES-192"/"AES-256" also check the key size
	SignAlgorithm          string // JCA Mac name, default "HmacSHA256"
	Format                 Format // "" = DefaultEncryptFormat(Profile)
	BackwardCompatibleRead bool   // current format only: also read legacy values (backwardCompatibleRead, Ktor 3.0.0+)
	IV                     IVSource
	Profile                Profile
}

// Encrypt is Ktor's SessionTransportTransformerEncrypt:
// lowerhex(iv) + "/" + lowerhex(AES-CBC-PKCS5(key, iv, value)) + ":" + lowerhex(mac).
type Encrypt struct {
	algName string // "AES-128/HmacSHA256", for ReadInfo
	enc     []encKey
	sign    []macKey
	signAlg hashAlg
	format  Format
	compat  bool
	iv      IVSource
	ivSize  int
	release ktor.Release
	lenient bool // IV and ciphertext hex read with Ktor's hex() (before 3.5.0)
	ktorErr error
	decode  func(string, []byte) ([]byte, hexQuirks, bool)
	scratch sync.Pool
}

type encKey struct {
	id    string
	size  int
	block cipher.Block
	encs  sync.Pool // cipher.BlockMode with SetIV
	decs  sync.Pool
}

type ivSetter interface {
	cipher.BlockMode
	SetIV([]byte)
}

type encScratch struct {
	ct, pt, iv []byte
	tag        [64]byte
	mac        [64]byte
}

// NewEncrypt checks the options the way Ktor's constructor does (key sizes,
// algorithm names, one call of the IV source) and says exactly what is wrong.
func NewEncrypt(o EncryptOptions) (*Encrypt, error) {
	rel, err := o.Profile.Release()
	if err != nil {
		return nil, err
	}
	want := 0
	switch a := strings.ToUpper(strings.TrimSpace(o.EncAlgorithm)); a {
	case "", "AES":
	case "AES-128", "AES128", "AES_128":
		want = 16
	case "AES-192", "AES192", "AES_192":
		want = 24
	case "AES-256", "AES256", "AES_256":
		want = 32
	default:
		return nil, &ConfigError{Transform: "encrypt", Field: "algorithm",
			Detail: "unsupported cipher " + quote(o.EncAlgorithm) + ": Ktor runs it as <algorithm>/CBC/PKCS5PADDING and only AES (16, 24 or 32-byte keys) is supported here"}
	}
	signName := o.SignAlgorithm
	if signName == "" {
		signName = "HmacSHA256"
	}
	sa, ok := lookupMAC(signName)
	if !ok {
		return nil, &ConfigError{Transform: "encrypt", Field: "sign_algorithm",
			Detail: "unknown Mac algorithm " + quote(signName) + macHint(signName) + "; known: " + macNames()}
	}
	eks, err := copyKeysNamed("encrypt", "keys", o.EncKeys)
	if err != nil {
		return nil, err
	}
	sks, err := copyKeysNamed("encrypt", "sign_keys", o.SignKeys)
	if err != nil {
		return nil, err
	}
	f := o.Format
	if f == "" {
		f = DefaultEncryptFormat(o.Profile)
	}
	if f != FormatCurrent && f != FormatLegacy {
		return nil, &ConfigError{Transform: "encrypt", Field: "format", Detail: "unknown format " + quote(string(f)) + " (want current or legacy)"}
	}
	if o.BackwardCompatibleRead && f != FormatCurrent {
		return nil, &ConfigError{Transform: "encrypt", Field: "backward_compatible_read",
			Detail: "only the current (Ktor 3) format has backwardCompatibleRead; a legacy-format transformer already reads legacy values"}
	}
	if o.BackwardCompatibleRead && !rel.Has(ktor.EncryptMACCiphertext) {
		return nil, &ConfigError{Transform: "encrypt", Field: "backward_compatible_read",
			Detail: "Ktor " + rel.String() + " has no backwardCompatibleRead (the parameter exists from 3.0.0)"}
	}
	e := &Encrypt{signAlg: sa, format: f, compat: o.BackwardCompatibleRead, iv: o.IV, release: rel,
		lenient: !rel.Has(ktor.EncryptStrictHex)}
	if e.lenient {
		e.decode = ktorHexDecode
	} else {
		e.decode = strictHexDecode
	}
	e.enc = make([]encKey, len(eks))
	for i, k := range eks {
		n := len(k.Bytes)
		if n != 16 && n != 24 && n != 32 {
			return nil, &ConfigError{Transform: "encrypt", Field: keyField("keys", i, k),
				Detail: "AES key is " + strconv.Itoa(n) + " bytes; AES takes 16, 24 or 32 (Java: InvalidKeyException: Invalid AES key length: " + strconv.Itoa(n) + " bytes)"}
		}
		if want != 0 && n != want {
			return nil, &ConfigError{Transform: "encrypt", Field: keyField("keys", i, k),
				Detail: "AES key is " + strconv.Itoa(n) + " bytes but the algorithm says AES-" + strconv.Itoa(want*8)}
		}
		b, err := aes.NewCipher(k.Bytes)
		if err != nil {
			return nil, &ConfigError{Transform: "encrypt", Field: keyField("keys", i, k), Detail: err.Error()}
		}
		ek := &e.enc[i]
		ek.id, ek.size, ek.block = k.ID, n, b
		zero := make([]byte, aes.BlockSize)
		ek.encs.New = func() any { return cipher.NewCBCEncrypter(b, zero) }
		ek.decs.New = func() any { return cipher.NewCBCDecrypter(b, zero) }
	}
	e.sign = make([]macKey, len(sks))
	for i, k := range sks {
		e.sign[i].id = k.ID
		kb, nf := k.Bytes, sa.newFn
		e.sign[i].pool.New = func() any { return &macState{h: hmac.New(nf, kb)} }
	}
	e.scratch.New = func() any { return &encScratch{} }
	e.ivSize = aes.BlockSize
	if !rel.Has(ktor.EncryptBlockSizedIV) {
		e.ivSize = e.enc[0].size
	}
	// Ktor's constructor encrypts an empty array with ivGenerator(ivSize).
	if o.IV != nil {
		iv, err := o.IV(e.ivSize)
		if err != nil {
			return nil, &ConfigError{Transform: "encrypt", Field: "iv", Detail: "IV source failed: " + err.Error()}
		}
		if len(iv) != aes.BlockSize {
			return nil, &ConfigError{Transform: "encrypt", Field: "iv", Detail: "IV source returned " + strconv.Itoa(len(iv)) +
				" bytes; AES/CBC needs 16 (Java: InvalidAlgorithmParameterException: Wrong IV length: must be 16 bytes long)"}
		}
	} else if e.ivSize != aes.BlockSize {
		e.ktorErr = &ConfigError{Transform: "encrypt", Field: "iv", Detail: "Ktor " + rel.String() + " asks its default ivGenerator for " +
			strconv.Itoa(e.ivSize) + " bytes (the AES-" + strconv.Itoa(e.ivSize*8) + " key length) but AES/CBC needs 16: its constructor throws " +
			"InvalidAlgorithmParameterException: Wrong IV length: must be 16 bytes long. A Ktor app with this key only ran with a custom " +
			"ivGenerator returning 16 bytes; reading works, writing needs an IV source (Ktor 3.5.1 fixed this)"}
	}
	e.algName = "AES-" + strconv.Itoa(e.enc[0].size*8) + "/" + e.signAlg.mac
	return e, nil
}

// Kind returns "encrypt".
func (e *Encrypt) Kind() string { return "encrypt" }

// Format returns the format this transformer writes.
func (e *Encrypt) Format() Format { return e.format }

// KeyIDs lists the ids of the encryption keys, the writing key first
// (ReadInfo.KeyID names the one that decrypted).
func (e *Encrypt) KeyIDs() []string {
	ids := make([]string, len(e.enc))
	for i := range e.enc {
		ids[i] = e.enc[i].id
	}
	return ids
}

// SignKeyIDs lists the ids of the sign keys, the writing key first
// (ReadInfo.SignKeyID names the one that verified).
func (e *Encrypt) SignKeyIDs() []string {
	ids := make([]string, len(e.sign))
	for i := range e.sign {
		ids[i] = e.sign[i].id
	}
	return ids
}

// Algorithm is e.g. "AES-128/HmacSHA256" (the writing key's size).
func (e *Encrypt) Algorithm() string { return e.algName }

// String describes the transformer without secrets.
func (e *Encrypt) String() string {
	return "encrypt(AES-" + strconv.Itoa(e.enc[0].size*8) + "," + e.signAlg.mac + "," + string(e.format) + ")"
}

// KtorConstructError is what Ktor's constructor would have thrown for this
// configuration with its default ivGenerator (nil if none): before Ktor 3.5.1
// an AES-192/256 key made the constructor fail. Reads still work; writes need
// an IV source.
func (e *Encrypt) KtorConstructError() error { return e.ktorErr }

// IVSize is the number of bytes Ktor asks its IV generator for.
func (e *Encrypt) IVSize() int { return e.ivSize }

func (e *Encrypt) macInto(i int, data []byte, dst []byte) {
	k := &e.sign[i]
	st := k.pool.Get().(*macState)
	st.h.Reset()
	st.h.Write(data)
	copy(dst, st.h.Sum(st.sum[:0]))
	k.pool.Put(st)
}

// Write encrypts value under the first keys. Legacy format only on request:
// it is what Ktor 1.x-2.x wrote.
func (e *Encrypt) Write(value string) (string, error) {
	var ivb [aes.BlockSize]byte
	var iv []byte
	if e.iv != nil {
		v, err := e.iv(e.ivSize)
		if err != nil {
			return "", &ConfigError{Transform: "encrypt", Field: "iv", Detail: "IV source failed: " + err.Error()}
		}
		if len(v) != aes.BlockSize {
			return "", &ConfigError{Transform: "encrypt", Field: "iv", Detail: "IV source returned " + strconv.Itoa(len(v)) + " bytes; AES/CBC needs 16"}
		}
		copy(ivb[:], v)
	} else {
		if e.ktorErr != nil {
			return "", e.ktorErr
		}
		if _, err := rand.Read(ivb[:]); err != nil {
			return "", &ConfigError{Transform: "encrypt", Field: "iv", Detail: "crypto/rand failed: " + err.Error()}
		}
	}
	iv = ivb[:]
	st := e.scratch.Get().(*encScratch)
	n := (len(value)/aes.BlockSize + 1) * aes.BlockSize
	st.ct = grow(st.ct, n)
	ct := st.ct
	copy(ct, value)
	pad := byte(n - len(value))
	for i := len(value); i < n; i++ {
		ct[i] = pad
	}
	k := &e.enc[0]
	bm := k.encs.Get().(ivSetter)
	bm.SetIV(iv)
	bm.CryptBlocks(ct, ct)
	k.encs.Put(bm)
	ms := e.signAlg.size
	if e.format == FormatCurrent {
		e.macInto(0, ct, st.tag[:ms])
	} else {
		e.macInto(0, bytesOf(value), st.tag[:ms])
	}
	out := make([]byte, 2*aes.BlockSize+1+2*n+1+2*ms)
	encodeHex(out, iv)
	o := 2 * aes.BlockSize
	out[o] = '/'
	encodeHex(out[o+1:], ct)
	o += 1 + 2*n
	out[o] = ':'
	encodeHex(out[o+1:], st.tag[:ms])
	e.scratch.Put(st)
	return str(out), nil
}

var (
	warnIV     = []string{"Ktor 3's format does not authenticate the IV: flipping IV bits flips the same bits of the first 16 plaintext bytes undetected"}
	warnLegacy = []string{"legacy format (Ktor 1.x-2.x): the MAC covers the plaintext, so reads decrypt before authenticating (a padding oracle); rewrite in the current format"}
)

func (e *Encrypt) info(f Format) ReadInfo {
	ri := ReadInfo{Transform: "encrypt", Algorithm: e.Algorithm(), Format: string(f)}
	if f == FormatCurrent {
		ri.Warnings = warnIV
	} else {
		ri.Warnings = warnLegacy
	}
	return ri
}

// parts of an encrypt value, split as Ktor does.
type encParts struct {
	ivHex, ctHex, macHex string
}

func splitEnc(value string) (encParts, *ReadError) {
	ivHex, rest, found := splitLast(value, '/')
	if !found {
		return encParts{}, readErr("encrypt", ErrMalformed, "no '/' between the IV and the ciphertext")
	}
	ctHex, macHex, found := splitLast(rest, ':')
	if !found {
		return encParts{}, readErr("encrypt", ErrMalformed, "no ':' between the ciphertext and the MAC")
	}
	if macHex == "" {
		return encParts{}, readErr("encrypt", ErrMalformed, "empty MAC after ':'")
	}
	return encParts{ivHex, ctHex, macHex}, nil
}

// macCheck decodes the MAC hex and compares it against HMAC(sign key j, data)
// for every j without an early exit. upper reports a match that Ktor rejects
// because of upper-case hex.
func (e *Encrypt) macCheck(st *encScratch, macHex string, data []byte) (sel int, upper bool, rerr *ReadError) {
	ms := e.signAlg.size
	if len(macHex) != 2*ms {
		d := "MAC is " + strconv.Itoa(len(macHex)) + " characters, " + e.signAlg.mac + " gives " + strconv.Itoa(2*ms)
		if h := macByHexLen(len(macHex)); h != "" && isHexString(macHex) {
			d += " (" + strconv.Itoa(len(macHex)) + " hex characters fit " + h + ")"
		}
		return -1, false, readErr("encrypt", ErrMalformed, d)
	}
	got, q, ok := strictHexDecode(macHex, st.mac[:0])
	if !ok {
		return -1, false, readErr("encrypt", ErrMalformed, "MAC after ':' is not hex")
	}
	sel = -1
	notFound := 1
	for j := range e.sign {
		e.macInto(j, data, st.tag[:ms])
		eq := subtle.ConstantTimeCompare(st.tag[:ms], got)
		first := eq & notFound
		sel = subtle.ConstantTimeSelect(first, j, sel)
		notFound &^= first
	}
	return sel, q&qUpper != 0, nil
}

func hexQuirkNotes(what string, q hexQuirks, lenient bool) []string {
	var s []string
	if q&qUpper != 0 {
		s = append(s, what+" hex in upper case: accepted by Ktor's hex decoding (Ktor writes lower case)")
	}
	if q&qNonASCII != 0 && lenient {
		s = append(s, what+" hex with non-ASCII digits (e.g. full-width): accepted by Ktor's lenient hex() (Java Character.digit), which encrypt reads with before 3.5.0")
	}
	if q&qOdd != 0 && lenient {
		s = append(s, "odd trailing character after the "+what+" hex: ignored by Ktor's lenient hex() (it reads length/2 pairs), which encrypt reads with before 3.5.0")
	}
	return s
}

// decryptAll decrypts ct under every encryption key (no early exit) into
// st.pt, keeping the plaintext of the first key whose padding is valid (and,
// when preferUTF8, whose plaintext is valid UTF-8). It returns the selected
// key, the plaintext and how many keys gave valid padding.
func (e *Encrypt) decryptAll(st *encScratch, iv, ct []byte, each func(i int, pt []byte) bool) (sel int, pt []byte, valid int) {
	sel = -1
	if len(ct) == 0 {
		// Java's AES/CBC/PKCS5Padding decrypts empty input to empty output.
		for i := range e.enc {
			if each(i, nil) {
				if sel < 0 {
					sel = i
				}
				valid++
			}
		}
		return sel, nil, valid
	}
	n := len(ct)
	st.pt = grow(st.pt, 2*n)
	tmp, keep := st.pt[:n], st.pt[n:2*n]
	plen := 0
	for i := range e.enc {
		k := &e.enc[i]
		bm := k.decs.Get().(ivSetter)
		bm.SetIV(iv)
		bm.CryptBlocks(tmp, ct)
		k.decs.Put(bm)
		l, ok := unpad(tmp)
		if ok && each(i, tmp[:l]) {
			valid++
			if sel < 0 {
				sel = i
				copy(keep, tmp[:l])
				plen = l
			}
		}
	}
	return sel, keep[:plen], valid
}

// unpad is Java's PKCS5Padding.unpad for a non-empty buffer, without
// branching on the padding bytes.
func unpad(b []byte) (int, bool) {
	n := len(b)
	last := b[n-1]
	p := int(last)
	good := subtle.ConstantTimeLessOrEq(1, p) & subtle.ConstantTimeLessOrEq(p, aes.BlockSize)
	// check the last 16 bytes: those within the padding must equal last
	for i := 1; i <= aes.BlockSize && i <= n; i++ {
		in := subtle.ConstantTimeLessOrEq(i, p)
		eq := subtle.ConstantTimeByteEq(b[n-i], last)
		good &= subtle.ConstantTimeSelect(in, eq, 1)
	}
	if p > n {
		good = 0
	}
	if good != 1 {
		return 0, false
	}
	return n - p, true
}

func validUTF8(b []byte) bool {
	_, ok := javaUTF8Check(b)
	return ok
}

func javaUTF8Check(b []byte) (int, bool) {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			s, ok := javautf8.String(b)
			return len(s), ok
		}
	}
	return len(b), true
}

// Read decrypts a value under any of the keys. ReadInfo.KeyID / SignKeyID
// name the keys that decrypted / verified.
func (e *Encrypt) Read(value string) (string, ReadInfo, error) {
	st := e.scratch.Get().(*encScratch)
	defer e.scratch.Put(st)
	if e.format == FormatLegacy {
		return e.readLegacy(st, value, true)
	}
	return e.readCurrent(st, value)
}

func (e *Encrypt) readCurrent(st *encScratch, value string) (string, ReadInfo, error) {
	info := e.info(FormatCurrent)
	parts, rerr := splitEnc(value)
	if rerr != nil {
		return "", info, rerr
	}
	ct, cq, ok := e.decode(parts.ctHex, st.ct[:0])
	if !ok {
		return "", info, readErr("encrypt", ErrMalformed, "ciphertext between '/' and ':' is not hex")
	}
	st.ct = ct[:0]
	sel, upper, rerr := e.macCheck(st, parts.macHex, ct)
	if rerr != nil {
		if e.compat {
			return e.readLegacyCompat(st, value, rerr)
		}
		return "", info, rerr
	}
	if sel < 0 {
		if e.compat {
			p, li, err := e.readLegacy(st, value, false)
			if err == nil {
				li.Quirks = append(li.Quirks, "legacy (Ktor 1.x-2.x) value read through backwardCompatibleRead")
				return p, li, nil
			}
			// neither format reads it: say first why the current one failed
			why := err.Error()
			if re, ok := err.(*ReadError); ok {
				why = re.Detail
			}
			return "", info, readErr("encrypt", ErrSignature, "MAC over the ciphertext does not match under "+e.signKeysPhrase()+
				" (tampered value, another key, or another sign algorithm than "+e.signAlg.mac+"); the legacy read of backward_compatible_read failed too: "+why)
		}
		if _, li, err := e.readLegacy(st, value, false); err == nil {
			r := readErr("encrypt", ErrOtherFormat, "this is the Ktor 1.x/2.x legacy format (MAC over the plaintext); enable backward_compatible_read (Ktor 3's backwardCompatibleRead) or read it with format legacy")
			r.KeyID = li.KeyID
			return "", info, r
		}
		return "", info, readErr("encrypt", ErrSignature, "MAC over the ciphertext does not match under "+e.signKeysPhrase()+" (tampered value, another key, or another sign algorithm than "+e.signAlg.mac+")")
	}
	info.SignKeyID = e.sign[sel].id
	if upper {
		r := readErr("encrypt", ErrSignatureCase, "the MAC is right but in upper-case hex; Ktor compares lower-case hex strings and rejects it")
		r.KeyID = info.SignKeyID
		return "", info, r
	}
	iv, iq, ok := e.decode(parts.ivHex, st.iv[:0])
	if !ok {
		return "", info, readErr("encrypt", ErrMalformed, "IV before the last '/' is not hex")
	}
	st.iv = iv[:0]
	if len(iv) != aes.BlockSize {
		return "", info, readErr("encrypt", ErrMalformed, "IV is "+strconv.Itoa(len(iv))+" bytes; AES/CBC needs 16")
	}
	if len(ct)%aes.BlockSize != 0 {
		return "", info, readErr("encrypt", ErrMalformed, "ciphertext is "+strconv.Itoa(len(ct))+" bytes, not a multiple of the 16-byte AES block")
	}
	dsel, pt, valid := e.decryptAll(st, iv, ct, func(int, []byte) bool { return true })
	if dsel < 0 {
		return "", info, readErr("encrypt", ErrDecrypt, "the MAC verified but the PKCS#5 padding is invalid under "+e.encKeysPhrase()+": the encryption key is wrong")
	}
	if valid > 1 {
		// prefer a key whose plaintext is valid UTF-8
		usel, upt, uvalid := e.decryptAll(st, iv, ct, func(_ int, p []byte) bool { return validUTF8(p) })
		if usel >= 0 {
			dsel, pt = usel, upt
		}
		if uvalid != 1 {
			info.Warnings = append(append([]string(nil), info.Warnings...),
				"ambiguous: "+strconv.Itoa(valid)+" encryption keys give valid padding (the current format's MAC does not identify the encryption key); took "+quote(e.enc[dsel].id))
		}
	}
	info.KeyID = e.enc[dsel].id
	s, okUTF := javautf8.String(pt)
	if !okUTF {
		info.Quirks = append(info.Quirks, "plaintext is not valid UTF-8: Ktor decodes it with U+FFFD replacements (a tampered IV does this: Ktor 3's format does not authenticate the IV)")
	}
	if len(ct) == 0 {
		info.Quirks = append(info.Quirks, "empty ciphertext: Java's AES/CBC/PKCS5Padding decrypts it to an empty string")
	}
	info.Quirks = append(info.Quirks, hexQuirkNotes("IV", iq, e.lenient)...)
	info.Quirks = append(info.Quirks, hexQuirkNotes("ciphertext", cq, e.lenient)...)
	return s, info, nil
}

// readLegacyCompat: the MAC did not even parse as a current MAC; Ktor 3 with
// backwardCompatibleRead still tries the legacy way.
func (e *Encrypt) readLegacyCompat(st *encScratch, value string, first *ReadError) (string, ReadInfo, error) {
	p, info, err := e.readLegacy(st, value, false)
	if err != nil {
		return "", info, first
	}
	return p, info, nil
}

func (e *Encrypt) signKeysPhrase() string {
	if len(e.sign) == 1 {
		return "the sign key"
	}
	return "any of the " + strconv.Itoa(len(e.sign)) + " sign keys"
}

func (e *Encrypt) encKeysPhrase() string {
	if len(e.enc) == 1 {
		return "the encryption key"
	}
	return "every one of the " + strconv.Itoa(len(e.enc)) + " encryption keys"
}

// readLegacy is Ktor 1.x-2.x's read: hex IV, hex ciphertext, decrypt, then
// MAC over the plaintext. checkOther looks for a current-format value when
// it fails.
func (e *Encrypt) readLegacy(st *encScratch, value string, checkOther bool) (string, ReadInfo, error) {
	info := e.info(FormatLegacy)
	parts, rerr := splitEnc(value)
	if rerr != nil {
		return "", info, rerr
	}
	iv, iq, ok := e.decode(parts.ivHex, st.iv[:0])
	if !ok {
		return "", info, readErr("encrypt", ErrMalformed, "IV before the last '/' is not hex")
	}
	st.iv = iv[:0]
	ct, cq, ok := e.decode(parts.ctHex, st.ct[:0])
	if !ok {
		return "", info, readErr("encrypt", ErrMalformed, "ciphertext between '/' and ':' is not hex")
	}
	st.ct = ct[:0]
	ms := e.signAlg.size
	if len(parts.macHex) != 2*ms || !isHexString(parts.macHex) {
		_, _, r := e.macCheck(st, parts.macHex, nil)
		if r != nil {
			return "", info, r
		}
	}
	if len(iv) != aes.BlockSize {
		return "", info, readErr("encrypt", ErrMalformed, "IV is "+strconv.Itoa(len(iv))+" bytes; AES/CBC needs 16")
	}
	if len(ct)%aes.BlockSize != 0 {
		return "", info, readErr("encrypt", ErrMalformed, "ciphertext is "+strconv.Itoa(len(ct))+" bytes, not a multiple of the 16-byte AES block")
	}
	got, mq, _ := strictHexDecode(parts.macHex, st.mac[:0])
	dsel, signSel, pt, pairs := e.legacyCheck(st, iv, ct, got)
	if dsel < 0 {
		if checkOther && e.isCurrentFormat(st, parts) {
			return "", info, readErr("encrypt", ErrOtherFormat, "this is the Ktor 3 format (MAC over the ciphertext); read it with format current")
		}
		// one error whether the padding or the MAC failed: telling them apart is the padding
		// oracle (Explain says which, for a person debugging their own value)
		return "", info, readErr("encrypt", ErrSignature, legacyFailure+" under "+e.pairsPhrase()+
			" (tampered value or another key; whether the padding or the MAC failed is not said: that would be a padding oracle)")
	}
	info.KeyID = e.enc[dsel].id
	info.SignKeyID = e.sign[signSel].id
	if mq&qUpper != 0 {
		r := readErr("encrypt", ErrSignatureCase, "the MAC is right but in upper-case hex; Ktor compares lower-case hex strings and rejects it")
		r.KeyID = info.SignKeyID
		return "", info, r
	}
	if pairs > 1 {
		info.Warnings = append(append([]string(nil), info.Warnings...), "ambiguous: "+strconv.Itoa(pairs)+" encryption keys decrypt and verify; took "+quote(info.KeyID))
	}
	s, okUTF := javautf8.String(pt)
	if !okUTF {
		info.Quirks = append(info.Quirks, "plaintext is not valid UTF-8: Ktor decodes it with U+FFFD replacements")
	}
	if len(ct) == 0 {
		info.Quirks = append(info.Quirks, "empty ciphertext: Java's AES/CBC/PKCS5Padding decrypts it to an empty string")
	}
	info.Quirks = append(info.Quirks, hexQuirkNotes("IV", iq, e.lenient)...)
	info.Quirks = append(info.Quirks, hexQuirkNotes("ciphertext", cq, e.lenient)...)
	return s, info, nil
}

// legacyFailure begins the one error of a failed legacy read.
const legacyFailure = "the value does not decrypt and verify"

func (e *Encrypt) pairsPhrase() string {
	if len(e.enc) == 1 && len(e.sign) == 1 {
		return "the keys"
	}
	return "any of the " + strconv.Itoa(len(e.enc)) + "×" + strconv.Itoa(len(e.sign)) + " encryption and sign key pairs"
}

// legacyMACHook, when set (by tests), sees every MAC a legacy read computes: encryption key i,
// sign key j, the length of the plaintext MACed and of the dummy input that evens the work out.
var legacyMACHook func(i, j, macLen, dummyLen int)

// legacyCheck is the legacy format's decrypt-then-verify in constant work. ct (a non-zero multiple
// of the block size, or empty) is decrypted under every encryption key, and every sign key's MAC
// is computed over each plaintext whether or not its padding is valid: a bad padding MACs a
// stand-in of a valid padding's length range (1 to 16 bytes shorter than the ciphertext). There is
// no early exit and no branch on the padding or on a comparison; a dummy hash of one block or none
// makes every MAC cost the hash blocks of the longest candidate (the MAC's length follows the
// padding byte: Lucky 13). So the time of a failed read says neither whether the padding or the
// MAC failed nor the padding byte. It returns the first key pair that decrypts and verifies (-1, -1
// if none), its plaintext and how many encryption keys decrypt and verify.
func (e *Encrypt) legacyCheck(st *encScratch, iv, ct, got []byte) (dsel, ssel int, pt []byte, pairs int) {
	ms := e.signAlg.size
	n := len(ct)
	st.pt = grow(st.pt, 2*n)
	tmp, keep := st.pt[:n], st.pt[n:2*n]
	dsel, ssel = -1, -1
	plen := 0
	for i := range e.enc {
		l, good := 0, 1 // Java decrypts an empty ciphertext to an empty plaintext
		if n > 0 {
			k := &e.enc[i]
			bm := k.decs.Get().(ivSetter)
			bm.SetIV(iv)
			bm.CryptBlocks(tmp, ct)
			k.decs.Put(bm)
			l, good = unpadCT(tmp)
		}
		match := 0
		for j := range e.sign {
			d := e.macEven(j, tmp[:l], n, st.tag[:ms])
			if legacyMACHook != nil {
				legacyMACHook(i, j, l, d)
			}
			eq := subtle.ConstantTimeCompare(st.tag[:ms], got) & good
			first := eq & subtle.ConstantTimeEq(int32(ssel), -1) & subtle.ConstantTimeEq(int32(dsel), -1)
			ssel = subtle.ConstantTimeSelect(first, j, ssel)
			dsel = subtle.ConstantTimeSelect(first, i, dsel)
			plen = subtle.ConstantTimeSelect(first, l, plen)
			subtle.ConstantTimeCopy(first, keep, tmp)
			match |= eq
		}
		pairs += match
	}
	return dsel, ssel, keep[:plen], pairs
}

// unpadCT is PKCS#5 unpadding of a non-empty buffer of whole blocks without a branch on its bytes:
// the plaintext length and 1 if the padding is valid; else 0 and the length a padding of
// (last byte & 15) + 1 would leave, so that the MAC of a bad padding has a valid one's length.
func unpadCT(b []byte) (int, int) {
	n := len(b)
	last := b[n-1]
	p := int(last)
	good := subtle.ConstantTimeLessOrEq(1, p) & subtle.ConstantTimeLessOrEq(p, aes.BlockSize)
	for i := 1; i <= aes.BlockSize; i++ {
		in := subtle.ConstantTimeLessOrEq(i, p)
		eq := subtle.ConstantTimeByteEq(b[n-i], last)
		good &= subtle.ConstantTimeSelect(in, eq, 1)
	}
	p = subtle.ConstantTimeSelect(good, p, int(last&15)+1)
	return n - p, good
}

// macEven computes sign key j's MAC of data into dst, then hashes a dummy block or none, so that
// the hash blocks processed are those of the longest legacy candidate for a ciphertext of n bytes
// (n-1 plaintext bytes). It returns the dummy's length.
func (e *Encrypt) macEven(j int, data []byte, n int, dst []byte) int {
	k := &e.sign[j]
	st := k.pool.Get().(*macState)
	st.h.Reset()
	st.h.Write(data)
	copy(dst, st.h.Sum(st.sum[:0]))
	bs := st.h.BlockSize()
	if st.pad == nil {
		st.pad = e.signAlg.newFn()
		st.zero = make([]byte, bs)
	}
	// a block written whole is hashed by Write itself: d = bs costs one block, d = 0 none
	d := (hashBlocks(bs, max(n-1, 0)) - hashBlocks(bs, len(data))) * bs
	st.pad.Reset()
	st.pad.Write(st.zero[:d])
	k.pool.Put(st)
	return d
}

// hashBlocks: the blocks HMAC's inner hash processes for m bytes of data: the key block, the data
// and the padding (MD5, SHA-1, SHA-2: at least a 0x80 byte and a length field of 8 bytes, 16 for
// blocks of 128; SHA-3, a sponge whose rate is not 64 or 128: at least one byte).
func hashBlocks(bs, m int) int {
	tail := 1
	switch bs {
	case 64:
		tail += 8
	case 128:
		tail += 16
	}
	return (bs + m + tail + bs - 1) / bs
}

// Explain says why a read fails in more detail than Read does (nil if it succeeds): for the legacy
// format, whether the PKCS#5 padding was invalid under every key or the MAC did not match, which
// Read keeps to one error so that a server is no padding oracle. It is for a person debugging
// their own value (sessionctl inspect): it is not constant-time and its answer is the oracle; a
// server, a middleware or a batch check never calls it.
func (e *Encrypt) Explain(value string) error {
	_, _, err := e.Read(value)
	var re *ReadError
	if e.format != FormatLegacy || !errors.As(err, &re) || re.Err != ErrSignature || !strings.HasPrefix(re.Detail, legacyFailure) {
		return err
	}
	parts, _ := splitEnc(value)
	iv, _, _ := e.decode(parts.ivHex, nil)
	ct, _, _ := e.decode(parts.ctHex, nil)
	if len(ct) == 0 {
		return err
	}
	tmp := make([]byte, len(ct))
	for i := range e.enc {
		cipher.NewCBCDecrypter(e.enc[i].block, iv).CryptBlocks(tmp, ct)
		if _, good := unpadCT(tmp); good == 1 {
			return &ReadError{Step: re.Step, Transform: "encrypt", Err: ErrSignature, Detail: "the padding is valid under encryption key " +
				quote(e.enc[i].id) + " but the MAC over the decrypted plaintext does not match under " + e.signKeysPhrase() + " (tampered value or another sign key)"}
		}
	}
	return &ReadError{Step: re.Step, Transform: "encrypt", Err: ErrDecrypt, Detail: "PKCS#5 padding is invalid under " + e.encKeysPhrase() + " (another key, or a tampered IV or ciphertext)"}
}

// isCurrentFormat reports whether the MAC covers the ciphertext.
func (e *Encrypt) isCurrentFormat(st *encScratch, parts encParts) bool {
	ct, _, ok := e.decode(parts.ctHex, nil)
	if !ok {
		return false
	}
	sel, _, r := e.macCheck(st, parts.macHex, ct)
	return r == nil && sel >= 0
}

// Rotate reads under any key and rewrites under the first keys with a fresh
// IV, in the format this transformer writes.
func (e *Encrypt) Rotate(value string) (string, string, ReadInfo, error) {
	p, info, err := e.Read(value)
	if err != nil {
		return "", "", info, err
	}
	w, err := e.Write(p)
	return p, w, info, err
}
