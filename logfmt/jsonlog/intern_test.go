package jsonlog

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodeInterned checks the decoder as a Reader runs it (scratch
// stacks and interner kept from value to value) against encoding/json:
// each input is decoded three times by one decoder, and as part of a
// longer value, so that interned keys, strings and numbers are hit.
// Seeds: testdata/fuzz/FuzzDecodeInterned.
func FuzzDecodeInterned(f *testing.F) {
	f.Add([]byte(`{"a":[1,-2.5e+3,"\u00e9\ud83d\ude00\ud800x",true,null,{}],"b\"":"\t"}`))
	f.Add([]byte(`{"Operation":"MailItemsAccessed","RecordType":50,"Folders":[{"Id":"x","FolderItems":[{"SizeInBytes":1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decoder{in: newInterner()}
		want, werr := decodeStd(data)
		wj, _ := json.Marshal(want)
		for i := 0; i < 3; i++ {
			got, err := d.decode(data)
			if (err == nil) != (werr == nil) {
				t.Fatalf("pass %d: errors differ: %v / %v", i, err, werr)
			}
			gj, _ := json.Marshal(got)
			if !bytes.Equal(gj, wj) {
				t.Fatalf("pass %d: values differ:\n%s\n%s", i, gj, wj)
			}
			if m, ok := got.(map[string]any); ok && d.topOK && len(d.top) != len(m) && !hasDupKeys(data) {
				t.Fatalf("pass %d: top keys %q for %d members", i, d.top, len(m))
			}
		}
		wrapped := append(append([]byte(`[`), data...), []byte(`,"x",1]`)...)
		want2, werr2 := decodeStd(wrapped)
		got2, err2 := d.decode(wrapped)
		a, _ := json.Marshal(got2)
		b, _ := json.Marshal(want2)
		if (err2 == nil) != (werr2 == nil) || !bytes.Equal(a, b) {
			t.Fatalf("wrapped: %s (%v) / %s (%v)", a, err2, b, werr2)
		}
	})
}

// hasDupKeys says whether a JSON object may repeat a member name (then
// the map has fewer members than the source lists).
func hasDupKeys(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return true
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return true
		}
		k, _ := t.(string)
		if seen[k] {
			return true
		}
		seen[k] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return true
		}
	}
	return false
}

// TestKeys checks Reader.Keys: source order for records of their own,
// nil for envelope elements and CSV rows and once Next has moved on.
func TestKeys(t *testing.T) {
	r := NewReader(bytes.NewReader([]byte("{\"b\":1,\"a\":{\"z\":2},\"B\":3}\n{\"value\":[{\"x\":1}]}\n")), Options{})
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Keys(rec); len(got) != 3 || got[0] != "b" || got[1] != "a" || got[2] != "B" {
		t.Errorf("Keys = %q", got)
	}
	el, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Keys(el); got != nil {
		t.Errorf("envelope element: Keys = %q", got)
	}
	if got := r.Keys(rec); got != nil {
		t.Errorf("earlier record: Keys = %q", got)
	}
	cr := NewReader(bytes.NewReader([]byte("a,b\n1,2\n")), Options{Kind: KindCSV})
	row, err := cr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := cr.Keys(row); got != nil {
		t.Errorf("CSV row: Keys = %q", got)
	}
}
