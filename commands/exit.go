package commands

import (
	"errors"
	"fmt"
)

// Exit statuses, documented in README and in `sessionctl --help`.
const (
	ExitOK      = 0 // everything verified / done
	ExitInvalid = 1 // an invalid token, a failed check, a finding
	ExitUsage   = 2 // bad flags, arguments or configuration
	ExitIO      = 3 // storage or I/O failure
)

// exitError carries an exit status and an optional hint for the user.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

func usageHint(hint, format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...), hint: hint}
}

func ioErr(err error) error {
	if err == nil {
		return nil
	}
	var e *exitError
	if errors.As(err, &e) {
		return err
	}
	return &exitError{code: ExitIO, err: err}
}

func configErr(err error) error {
	if err == nil {
		return nil
	}
	var e *exitError
	if errors.As(err, &e) {
		return err
	}
	return &exitError{code: ExitUsage, err: err}
}

// silentExit ends with a status and no message: the command has already reported.
type silentExit int

func (s silentExit) Error() string { return fmt.Sprintf("exit status %d", int(s)) }
