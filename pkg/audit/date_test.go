package audit

import (
	"strings"
	"testing"
	"time"
)

// A HAR response's Date: is when its cookies were set: an Expires 60 days after it is a long-lived
// cookie even when the HAR is read a year later (measured from the clock it looked expired).
func TestHARDateIsTheReference(t *testing.T) {
	har := `{"log": {"entries": [{"request": {"url": "https://a.example/"}, "response": {"headers": [
	  {"name": "Date", "value": "Tue, 14 Nov 2023 22:13:20 GMT"},
	  {"name": "Set-Cookie", "value": "S=x; Expires=Sat, 13 Jan 2024 22:13:20 GMT; Secure; HttpOnly; SameSite=Lax"}]}},
	  {"request": {"url": "https://a.example/"}, "response": {"headers": [
	  {"name": "Set-Cookie", "value": "S=x; Expires=Sat, 13 Jan 2024 22:13:20 GMT; Secure; HttpOnly; SameSite=Lax"}]}}]}}`
	var got []HARCookie
	if err := ReadHAR(strings.NewReader(har), func(c HARCookie) error { got = append(got, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Date == nil || !got[0].Date.Equal(time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)) || got[1].Date != nil {
		t.Fatalf("dates: %+v", got)
	}
	later := Options{Now: time.Date(2024, 11, 14, 0, 0, 0, 0, time.UTC)}
	withDate := NewTarget(Input{Name: "S", Value: "x", Source: "har-response", SetCookie: got[0].SetCookie, Date: got[0].Date}, later).Report()
	if !hasFinding(withDate, "long-max-age") {
		t.Errorf("60 days from the response's Date: no long-max-age finding: %+v", withDate.Findings)
	}
	without := NewTarget(Input{Name: "S", Value: "x", Source: "har-response", SetCookie: got[1].SetCookie}, later).Report()
	if hasFinding(without, "long-max-age") {
		t.Errorf("no Date, a past Expires: %+v", without.Findings)
	}
}
