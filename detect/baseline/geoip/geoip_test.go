package geoip_test

import (
	"github.com/mailtrip/mailtrip/internal/mmdbtest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailtrip/mailtrip/detect/baseline/geoip"
)

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "test.mmdb")
	err := mmdbtest.Write(path, []mmdbtest.Network{
		{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Country: "US", Lat: 40.71, Lon: -74.0, ASN: 64500, Org: "Example Telecom"},
		{Prefix: netip.MustParsePrefix("2001:db8:1::/48"), Country: "DE", Lat: 50.11, Lon: 8.68, ASN: 64501, Org: "Beispiel AG"},
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := geoip.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		addr    string
		ok      bool
		country string
		asn     uint32
		lat     float64
	}{
		{"203.0.113.9", true, "US", 64500, 40.71},
		{"::ffff:203.0.113.9", true, "US", 64500, 40.71},
		{"2001:db8:1::5", true, "DE", 64501, 50.11},
		{"198.51.100.1", false, "", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			loc, ok := db.Lookup(netip.MustParseAddr(tc.addr))
			if ok != tc.ok || loc.Country != tc.country || loc.ASN != tc.asn || (tc.ok && (!loc.HasCoords || loc.Lat != tc.lat)) {
				t.Errorf("Lookup(%s) = %+v, %v", tc.addr, loc, ok)
			}
		})
	}
	if _, ok := db.Lookup(netip.Addr{}); ok {
		t.Error("zero address found")
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := geoip.Open(); err == nil {
		t.Error("no paths: no error")
	}
	bad := filepath.Join(t.TempDir(), "bad.mmdb")
	if err := os.WriteFile(bad, []byte("not a maxmind database"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := geoip.Open(bad); err == nil {
		t.Error("garbage file: no error")
	}
	if _, err := geoip.Open(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("missing file: no error")
	}
}
