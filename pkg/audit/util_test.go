package audit

import "errors"

func errAs(err error, target any) bool { return errors.As(err, target) }
func errIs(err, target error) bool     { return errors.Is(err, target) }
