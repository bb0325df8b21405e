// Command encbound is the bare-crypto reference for rotating Ktor 3 encrypt tokens (current
// format: lowerhex(iv) "/" lowerhex(AES-CBC-PKCS5 ciphertext) ":" lowerhex(HmacSHA256 of the
// ciphertext)): verify the MAC under the old sign key in constant time, decrypt under the old
// AES key, encrypt under the new one with a fresh crypto/rand IV, sign, hex, in input order, on
// GOMAXPROCS workers. It counterparts ../shared/checks/lib/bound (MAC tokens) for encrypt tokens:
// nothing but the crypto, the hex and the line handling that any rotation must do.
//
//	encbound OLDENC OLDSIGN NEWENC NEWSIGN < in > out
package main

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
)

const chunk = 1 << 20

type keys struct {
	oldBlock, newBlock cipher.Block
	oldSign, newSign   []byte
}

type work struct {
	in  []byte
	out chan []byte
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: encbound OLDENC OLDSIGN NEWENC NEWSIGN < in > out")
		os.Exit(2)
	}
	var raw [4][]byte
	for i := range raw {
		b, err := hex.DecodeString(os.Args[i+1])
		if err != nil {
			fmt.Fprintf(os.Stderr, "encbound: key %d: %v\n", i+1, err)
			os.Exit(2)
		}
		raw[i] = b
	}
	ob, err1 := aes.NewCipher(raw[0])
	nb, err2 := aes.NewCipher(raw[2])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "encbound: bad AES key")
		os.Exit(2)
	}
	k := &keys{oldBlock: ob, newBlock: nb, oldSign: raw[1], newSign: raw[3]}

	queue := make(chan work, 8)
	order := make(chan chan []byte, 16)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		go worker(k, queue)
	}
	done := make(chan struct{})
	go func() {
		bw := bufio.NewWriterSize(os.Stdout, chunk)
		for c := range order {
			bw.Write(<-c)
		}
		bw.Flush()
		close(done)
	}()

	var carry []byte
	for {
		buf := make([]byte, chunk+len(carry))
		n := copy(buf, carry)
		m, err := io.ReadFull(os.Stdin, buf[n:])
		buf = buf[:n+m]
		end := len(buf)
		if err == nil {
			end = bytes.LastIndexByte(buf, '\n') + 1
		}
		carry = append(carry[:0], buf[end:]...)
		if end > 0 {
			c := make(chan []byte, 1)
			order <- c
			queue <- work{buf[:end], c}
		}
		if err != nil {
			break
		}
	}
	close(queue)
	close(order)
	<-done
}

func worker(k *keys, queue <-chan work) {
	oldMAC, newMAC := hmac.New(sha256.New, k.oldSign), hmac.New(sha256.New, k.newSign)
	var ct, pt, iv, sum []byte
	iv = make([]byte, aes.BlockSize)
	for w := range queue {
		out := make([]byte, 0, len(w.in)+len(w.in)/16)
		for rest := w.in; len(rest) > 0; {
			line := rest
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				line, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			var ok bool
			if ct, pt, ok = open(k.oldBlock, oldMAC, line, ct, pt, &sum); !ok {
				continue
			}
			out = seal(k.newBlock, newMAC, out, pt, iv, &ct, &sum)
			out = append(out, '\n')
		}
		w.out <- out
	}
}

// open checks and decrypts one token; ct and pt are reused buffers.
func open(b cipher.Block, m hash.Hash, line, ct, pt []byte, sum *[]byte) ([]byte, []byte, bool) {
	slash := bytes.IndexByte(line, '/')
	colon := bytes.LastIndexByte(line, ':')
	if slash != 2*aes.BlockSize || colon < slash {
		return ct, pt, false
	}
	var iv [aes.BlockSize]byte
	if _, err := hex.Decode(iv[:], line[:slash]); err != nil {
		return ct, pt, false
	}
	var err error
	if ct, err = hex.AppendDecode(ct[:0], line[slash+1:colon]); err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return ct, pt, false
	}
	var tag [sha256.Size]byte
	if n, err := hex.Decode(tag[:], line[colon+1:]); err != nil || n != len(tag) {
		return ct, pt, false
	}
	m.Reset()
	m.Write(ct)
	*sum = m.Sum((*sum)[:0])
	if !hmac.Equal(*sum, tag[:]) {
		return ct, pt, false
	}
	pt = append(pt[:0], make([]byte, len(ct))...)
	cipher.NewCBCDecrypter(b, iv[:]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize {
		return ct, pt, false
	}
	return ct, pt[:len(pt)-pad], true
}

// seal encrypts pt (unpadded) under a fresh IV and appends the token to out.
func seal(b cipher.Block, m hash.Hash, out, pt, iv []byte, ct, sum *[]byte) []byte {
	rand.Read(iv)
	pad := aes.BlockSize - len(pt)%aes.BlockSize
	p := pt
	for i := 0; i < pad; i++ {
		p = append(p, byte(pad))
	}
	*ct = append((*ct)[:0], make([]byte, len(p))...)
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(*ct, p)
	m.Reset()
	m.Write(*ct)
	*sum = m.Sum((*sum)[:0])
	out = hex.AppendEncode(out, iv)
	out = append(out, '/')
	out = hex.AppendEncode(out, *ct)
	out = append(out, ':')
	return hex.AppendEncode(out, *sum)
}
