package codec

import "time"

var timeZero = time.UnixMilli(1700000000000)
