// Package geoip implements baseline.Geo over MaxMind DB (.mmdb) files
// (https://maxmind.github.io/MaxMind-DB/): GeoLite2/GeoIP2 City or
// Country databases give the country and coordinates, GeoLite2 ASN
// databases the autonomous system; several files can be opened together
// (a City and an ASN database) and each lookup merges them, the first
// file that has a value winning. It is the only part of detect/baseline
// that reads a file.
//
// Divergence: a City record without coordinates falls back to nothing
// (the registered country's centre is not used), so such addresses never
// count for impossible travel; the country falls back to
// registered_country when country is absent (anycast and satellite
// ranges).
package geoip

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/mailtrip/mailtrip/detect/baseline"
)

// DB is a set of opened .mmdb files; safe for concurrent use.
type DB struct {
	readers []*maxminddb.Reader
}

var _ baseline.Geo = (*DB)(nil)

// record holds the fields read from City/Country and ASN databases.
type record struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
	ASN uint32 `maxminddb:"autonomous_system_number"`
	Org string `maxminddb:"autonomous_system_organization"`
}

// Open opens one or more .mmdb files (memory-mapped where possible).
func Open(paths ...string) (*DB, error) {
	if len(paths) == 0 {
		return nil, errors.New("geoip: no database file given")
	}
	db := &DB{}
	for _, p := range paths {
		r, err := maxminddb.Open(p)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("geoip: open %s: %w", p, err)
		}
		db.readers = append(db.readers, r)
	}
	return db, nil
}

// Close releases the files.
func (db *DB) Close() error {
	var errs []error
	for _, r := range db.readers {
		errs = append(errs, r.Close())
	}
	db.readers = nil
	return errors.Join(errs...)
}

// Lookup returns what the databases know about addr; ok is false when
// none has a record for it. A damaged database record counts as absent.
func (db *DB) Lookup(addr netip.Addr) (baseline.Location, bool) {
	var loc baseline.Location
	if db == nil || !addr.IsValid() {
		return loc, false
	}
	addr = addr.Unmap()
	found := false
	for _, r := range db.readers {
		res := r.Lookup(addr)
		if !res.Found() || res.Err() != nil {
			continue
		}
		var rec record
		if err := res.Decode(&rec); err != nil {
			continue
		}
		found = true
		if loc.Country == "" {
			loc.Country = rec.Country.ISOCode
			if loc.Country == "" {
				loc.Country = rec.RegisteredCountry.ISOCode
			}
		}
		if loc.ASN == 0 && rec.ASN != 0 {
			loc.ASN, loc.Org = rec.ASN, rec.Org
		}
		if !loc.HasCoords && rec.Location.Latitude != nil && rec.Location.Longitude != nil {
			lat, lon := *rec.Location.Latitude, *rec.Location.Longitude
			if lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
				loc.Lat, loc.Lon, loc.HasCoords = lat, lon, true
			}
		}
	}
	return loc, found && (loc.Country != "" || loc.ASN != 0 || loc.HasCoords)
}
