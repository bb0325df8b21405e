// Command gen writes the inputs of the benchmarks in bench/: Ktor MAC and encrypt tokens
// signed under an old key, and Ktor directory-storage trees. Standard library only.
//
//	gen mac     -n N -key HEX -out FILE
//	gen encrypt -n N -enc HEX -sign HEX -out FILE
//	gen tree    -n N -root DIR [-seed S] [-old-every K -old-age 40d [-only-old]]
//
// Tokens reproduce Ktor's formats: MAC is value + "/" + lowerhex(HmacSHA256(key, value));
// encrypt is Ktor 3's current format, lowerhex(iv) + "/" + lowerhex(AES-CBC-PKCS5(value)) +
// ":" + lowerhex(HmacSHA256(signKey, ciphertext)). Trees follow Ktor's DirectoryStorage: a
// 32-hex id cut into 2-character pieces, all but the last a directory, the last + ".dat" the file.
package main

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "mac":
		err = genMAC(os.Args[2:])
	case "encrypt":
		err = genEncrypt(os.Args[2:])
	case "tree":
		err = genTree(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gen mac|encrypt|tree [flags] (see the package doc)")
	os.Exit(2)
}

// payload is a Ktor reflection-text session of about 110 bytes, different on every line.
func payload(b []byte, i int) []byte {
	b = append(b, "userId=%23su-"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "&name=%23sZo%C3%AB+O%27Brien&roles=%23cl%2523sadmin%2526%2523sops&loginCount=%23i"...)
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, "&admin=%23bot"...)
}

func hexFlag(fs *flag.FlagSet, name, usage string) *string { return fs.String(name, "", usage) }

func decodeKey(name, s string, sizes ...int) ([]byte, error) {
	k, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("-%s: not hex: %v", name, err)
	}
	if len(sizes) == 0 && len(k) == 0 {
		return nil, fmt.Errorf("-%s: empty key", name)
	}
	for _, n := range sizes {
		if len(k) == n {
			return k, nil
		}
	}
	if len(sizes) > 0 {
		return nil, fmt.Errorf("-%s: %d bytes, want one of %v", name, len(k), sizes)
	}
	return k, nil
}

func create(path string) (*os.File, *bufio.Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, bufio.NewWriterSize(f, 1<<20), nil
}

func finish(f *os.File, w *bufio.Writer) error {
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func genMAC(args []string) error {
	fs := flag.NewFlagSet("mac", flag.ExitOnError)
	n := fs.Int("n", 1000, "tokens")
	key := hexFlag(fs, "key", "HMAC-SHA256 key (hex)")
	out := fs.String("out", "", "output file")
	fs.Parse(args)
	k, err := decodeKey("key", *key)
	if err != nil {
		return err
	}
	f, w, err := create(*out)
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, k)
	var line, sum []byte
	for i := 0; i < *n; i++ {
		line = payload(line[:0], i)
		m.Reset()
		m.Write(line)
		sum = m.Sum(sum[:0])
		line = append(line, '/')
		line = hex.AppendEncode(line, sum)
		line = append(line, '\n')
		w.Write(line)
	}
	return finish(f, w)
}

func genEncrypt(args []string) error {
	fs := flag.NewFlagSet("encrypt", flag.ExitOnError)
	n := fs.Int("n", 1000, "tokens")
	enc := hexFlag(fs, "enc", "AES key (hex, 16/24/32 bytes)")
	sign := hexFlag(fs, "sign", "HMAC-SHA256 sign key (hex)")
	out := fs.String("out", "", "output file")
	fs.Parse(args)
	ek, err := decodeKey("enc", *enc, 16, 24, 32)
	if err != nil {
		return err
	}
	sk, err := decodeKey("sign", *sign)
	if err != nil {
		return err
	}
	block, err := aes.NewCipher(ek)
	if err != nil {
		return err
	}
	f, w, err := create(*out)
	if err != nil {
		return err
	}
	// IVs from a seeded generator: the inputs are the same on every run (they are not secrets).
	rng := rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'})
	m := hmac.New(sha256.New, sk)
	var iv [aes.BlockSize]byte
	var pt, ct, line, sum []byte
	for i := 0; i < *n; i++ {
		pt = payload(pt[:0], i)
		pad := aes.BlockSize - len(pt)%aes.BlockSize
		for j := 0; j < pad; j++ {
			pt = append(pt, byte(pad))
		}
		rng.Read(iv[:])
		ct = append(ct[:0], make([]byte, len(pt))...)
		cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(ct, pt)
		m.Reset()
		m.Write(ct)
		sum = m.Sum(sum[:0])
		line = hex.AppendEncode(line[:0], iv[:])
		line = append(line, '/')
		line = hex.AppendEncode(line, ct)
		line = append(line, ':')
		line = hex.AppendEncode(line, sum)
		line = append(line, '\n')
		w.Write(line)
	}
	return finish(f, w)
}

func genTree(args []string) error {
	fs := flag.NewFlagSet("tree", flag.ExitOnError)
	n := fs.Int("n", 1000, "sessions")
	root := fs.String("root", "", "the storage root (created)")
	seed := fs.Uint64("seed", 7, "seed of the session ids")
	oldEvery := fs.Int("old-every", 0, "make every K-th session old (0: none)")
	oldAge := fs.Duration("old-age", 40*24*time.Hour, "how old the old sessions are")
	workers := fs.Int("workers", 4, "goroutines creating files")
	onlyOld := fs.Bool("only-old", false, "write only the old sessions (restores a tree a purge of the old ones emptied)")
	fs.Parse(args)
	if *root == "" {
		return fmt.Errorf("-root is required")
	}
	if *onlyOld && *oldEvery <= 0 {
		return fmt.Errorf("-only-old needs -old-every")
	}
	if err := os.MkdirAll(*root, 0o755); err != nil {
		return err
	}
	old := time.Now().Add(-*oldAge)
	rng := rand.New(rand.NewPCG(*seed, 0x5e55))
	type job struct {
		n  int
		id [16]byte
	}
	jobs := make(chan job, 1024)
	errs := make(chan error, *workers)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var content []byte
			for j := range jobs {
				h := hex.EncodeToString(j.id[:])
				p := *root
				for k := 0; k < 30; k += 2 {
					p = filepath.Join(p, h[k:k+2])
				}
				if err := os.MkdirAll(p, 0o755); err != nil {
					errs <- err
					return
				}
				file := filepath.Join(p, h[30:]+".dat")
				content = append(content[:0], "userId=%23su-"...)
				content = strconv.AppendInt(content, int64(j.n), 10)
				content = append(content, "&n=%23i"...)
				content = strconv.AppendInt(content, int64(j.n), 10)
				if err := os.WriteFile(file, content, 0o644); err != nil {
					errs <- err
					return
				}
				if *oldEvery > 0 && j.n%*oldEvery == 0 {
					if err := os.Chtimes(file, old, old); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	var id [16]byte
	for i := 0; i < *n; i++ {
		for k := 0; k < 16; k += 8 {
			v := rng.Uint64()
			for b := 0; b < 8; b++ {
				id[k+b] = byte(v >> (8 * b))
			}
		}
		if *onlyOld && i%*oldEvery != 0 {
			continue
		}
		select {
		case jobs <- job{i, id}:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
