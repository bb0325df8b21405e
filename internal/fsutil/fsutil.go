// Package fsutil holds the file-system steps the atomic writers share.
package fsutil

import "os"

// SyncDir fsyncs a directory, making the entries created in or renamed into
// it durable: a rename is only on disk once its directory is synced.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
