module github.com/sessionctl/sessionctl

go 1.26.8
