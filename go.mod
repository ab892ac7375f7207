module github.com/mailtrip/mailtrip

go 1.26
