package tenantgen

import "net/netip"

// place is a network at a location: an ISP's range in a city, an office
// egress, a hosting provider.
type place struct {
	name, city, state, country string
	lat, lon                   float64
	asn                        uint32
	org                        string
	prefix                     netip.Prefix
}

// addr returns host n of the place's range.
func (p *place) addr(n int) string {
	b := p.prefix.Addr().As4()
	n = n%65000 + 1
	if p.prefix.Bits() >= 24 {
		n = n%250 + 1
		b[3] = byte(n)
		return netip.AddrFrom4(b).String()
	}
	b[2], b[3] = byte(n>>8), byte(n)
	return netip.AddrFrom4(b).String()
}

func mk(name, city, state, country string, lat, lon float64, asn uint32, org, prefix string) *place {
	return &place{name, city, state, country, lat, lon, asn, org, netip.MustParsePrefix(prefix)}
}

// The tenant's world. Ranges are documentation and shared-address space
// so that nothing here names a real network.
var (
	office    = mk("office", "New York", "New York", "US", 40.7128, -74.0060, 64500, "Contoso Corp", "198.51.100.0/24")
	vpn       = mk("vpn", "Frankfurt am Main", "Hesse", "DE", 50.1109, 8.6821, 64500, "Contoso Corp", "203.0.113.0/24")
	ispNYC    = mk("isp-nyc", "New York", "New York", "US", 40.73, -73.99, 64600, "Metro Fiber", "100.64.0.0/16")
	mobileUS  = mk("mobile-us", "New York", "New York", "US", 40.75, -73.98, 64601, "Carrier One Wireless", "100.65.0.0/16")
	ispCHI    = mk("isp-chi", "Chicago", "Illinois", "US", 41.8781, -87.6298, 64602, "Lakeshore Cable", "100.66.0.0/16")
	hotelLON  = mk("hotel-lon", "London", "England", "GB", 51.5074, -0.1278, 64610, "Albion Broadband", "100.70.0.0/16")
	hotelSF   = mk("hotel-sf", "San Francisco", "California", "US", 37.7749, -122.4194, 64611, "Bay Networks", "100.71.0.0/16")
	hotelTYO  = mk("hotel-tyo", "Tokyo", "Tokyo", "JP", 35.6762, 139.6503, 64612, "Kanto Net", "100.72.0.0/16")
	cloudUS   = mk("cloud-us", "Boydton", "Virginia", "US", 36.6676, -78.3875, 64700, "CloudCo", "100.80.0.0/16")
	backupDC  = mk("backup-dc", "Ashburn", "Virginia", "US", 39.0438, -77.4874, 64701, "Vault Backup Inc", "100.81.0.0/16")
	hostNL    = mk("host-nl", "Amsterdam", "North Holland", "NL", 52.3676, 4.9041, 64999, "BulletHost BV", "100.90.0.0/16")
	ispNG     = mk("isp-ng", "Lagos", "Lagos", "NG", 6.5244, 3.3792, 64990, "Lagos Telecom", "100.91.0.0/16")
	hostVN    = mk("host-vn", "Hanoi", "Hanoi", "VN", 21.0278, 105.8342, 64991, "Red River Hosting", "100.92.0.0/16")
	hostRO    = mk("host-ro", "Bucharest", "Bucharest", "RO", 44.4268, 26.1025, 64992, "Carpathia VPS", "100.93.0.0/16")
	ispBR     = mk("isp-br", "São Paulo", "São Paulo", "BR", -23.5505, -46.6333, 64993, "Paulista Net", "100.94.0.0/16")
	hostUSW   = mk("host-usw", "San Jose", "California", "US", 37.3382, -121.8863, 64998, "CloudHost West", "100.95.0.0/16")
	allPlaces = []*place{office, vpn, ispNYC, mobileUS, ispCHI, hotelLON, hotelSF, hotelTYO, cloudUS, backupDC, hostNL, ispNG, hostVN, hostRO, ispBR, hostUSW}
)

// Network is one range of the IP plan and where it geolocates to.
type Network struct {
	Prefix   netip.Prefix
	Country  string
	Lat, Lon float64
	ASN      uint32
	Org      string
}

// Networks is the IP plan, for a test .mmdb.
func Networks() []Network {
	out := make([]Network, 0, len(allPlaces))
	for _, p := range allPlaces {
		out = append(out, Network{Prefix: p.prefix, Country: p.country, Lat: p.lat, Lon: p.lon, ASN: p.asn, Org: p.org})
	}
	return out
}

// TrustedNetworks are the office and VPN egress ranges.
func TrustedNetworks() []netip.Prefix { return []netip.Prefix{office.prefix, vpn.prefix} }
