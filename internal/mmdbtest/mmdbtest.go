// Package mmdbtest writes small MaxMind DB files for tests
// (github.com/maxmind/mmdbwriter): one record per network with a country,
// coordinates and an ASN, in the GeoLite2 City and ASN layouts at once.
// It lives outside detect/... because mmdbwriter speaks net.IPNet, and the
// detectors must not import package net.
package mmdbtest

import (
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Network is one range and what it geolocates to.
type Network struct {
	Prefix   netip.Prefix
	Country  string
	Lat, Lon float64
	ASN      uint32
	Org      string
}

// Write writes nets to a new .mmdb file at path.
func Write(path string, nets []Network) error {
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "mailtrip-test-City-ASN", RecordSize: 28, IncludeReservedNetworks: true})
	if err != nil {
		return err
	}
	for _, n := range nets {
		_, ipn, err := net.ParseCIDR(n.Prefix.Masked().String())
		if err != nil {
			return fmt.Errorf("network %s: %w", n.Prefix, err)
		}
		rec := mmdbtype.Map{
			"country":                        mmdbtype.Map{"iso_code": mmdbtype.String(n.Country)},
			"location":                       mmdbtype.Map{"latitude": mmdbtype.Float64(n.Lat), "longitude": mmdbtype.Float64(n.Lon)},
			"autonomous_system_number":       mmdbtype.Uint32(n.ASN),
			"autonomous_system_organization": mmdbtype.String(n.Org),
		}
		if err := tree.Insert(ipn, rec); err != nil {
			return fmt.Errorf("network %s: %w", n.Prefix, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
