//go:build unix && !linux

package storage

func openat2Beneath(int, string, int) (int, error, bool) { return -1, nil, false }

func renameat2NoReplace(int, string, string) (error, bool) { return nil, false }
