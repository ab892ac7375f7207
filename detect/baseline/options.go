package baseline

import (
	"context"
	"net/netip"
	"time"
)

// State keeps per-user baselines between runs (`scan --state`); the lead
// implements it over the store. Keys are short ASCII strings
// ("baseline/v1/user/alice@example.com"); values are opaque JSON written by
// this package. Load returns (nil, nil) when the key is absent. The
// detector calls State only from Flush and FlushSome: Load when it starts
// judging a user, Save after a flush that changed the user's profile.
type State interface {
	Load(ctx context.Context, key string) ([]byte, error)
	Save(ctx context.Context, key string, value []byte) error
}

// Decoys maps a Message-ID to the decoy mailtrip planted with it; the lead
// implements it from the decoy registry. id is passed as the audit record
// wrote it (with angle brackets); when that finds nothing, it is tried
// again without them. It is called from Detect, concurrently, and must be
// fast (an in-memory index).
type Decoys interface {
	DecoyForMessageID(id string) (decoyID, mailbox, folder string, ok bool)
}

// Location is what a Geo lookup knows about an address.
type Location struct {
	Country   string  // ISO 3166-1 alpha-2 ("US"), "" when unknown
	ASN       uint32  // autonomous system number, 0 when unknown
	Org       string  // autonomous system organisation
	Lat, Lon  float64 // degrees, valid when HasCoords
	HasCoords bool
}

// Geo resolves an address to a country, ASN and coordinates. Package
// detect/baseline/geoip implements it over MaxMind .mmdb files. It is
// called concurrently.
type Geo interface {
	Lookup(addr netip.Addr) (Location, bool)
}

// Options configure the Detector. Zero fields take DefaultOptions' values;
// docs/baseline.md explains each default.
type Options struct {
	// State persists per-user baselines across runs; nil builds them from
	// the input only (each user's first LearningPeriod is history).
	State State
	// Decoys finds planted decoys by Message-ID; nil disables
	// mailtrip-access-decoy-read.
	Decoys Decoys
	// Geo resolves addresses that records carry no location for; nil
	// means only Entra's own location and ASN fields are used.
	Geo Geo
	// TrustedNetworks are the organisation's own egress ranges (office,
	// VPN concentrators): sign-ins from them never count as a new country
	// or ASN, as travel, or as a password-spraying source.
	TrustedNetworks []netip.Prefix
	// TrustedApps are application ids (AppId/ClientAppId) allowed to read
	// mail in bulk (backup, archiving, e-discovery): no access alerts.
	TrustedApps []string

	// LearningPeriod: a user's baseline judges nothing until this long
	// after the user's first record (kept in State across runs).
	LearningPeriod time.Duration
	// MinHistory: records (sign-ins, mailbox accesses, IMAP sessions) a
	// user's baseline needs before it judges.
	MinHistory int
	// Retention: entries of a profile (an app, a country, a place) not
	// seen for this long are forgotten.
	Retention time.Duration

	// AccessWindow is the sliding window of the Sync and Bind counts.
	AccessWindow time.Duration
	// SyncMinFolders: distinct folders one user+address+app synchronised
	// within AccessWindow that make a Sync burst.
	SyncMinFolders int
	// BindMinItems: items one user+address+app bound (read) within
	// AccessWindow that make a Bind volume alert.
	BindMinItems int
	// PeakFactor: a burst also has to exceed this multiple of the
	// (user, app) pair's largest earlier burst, so a known bulk client
	// (a backup app's nightly sync) does not alert.
	PeakFactor float64

	// FailWindow is the window of the failure-counting sign-in rules.
	FailWindow time.Duration
	// SprayMinUsers: distinct users failing from one address in
	// FailWindow that make password spraying.
	SprayMinUsers int
	// SprayMinFailRatio: failures must be at least this share of that
	// address's sign-in attempts in the window (a shared egress where
	// most sign-ins succeed is not spraying).
	SprayMinFailRatio float64
	// BruteMinFailures: failures for one user in FailWindow that make
	// brute force.
	BruteMinFailures int
	// SuccessMinFailures: failures within FailWindow before a success
	// that make success-after-failures.
	SuccessMinFailures int

	// MaxSpeedKmh: two successful sign-ins implying a faster trip are
	// impossible travel.
	MaxSpeedKmh float64
	// MinTravelKm: shorter distances are within geolocation error and
	// never count as travel.
	MinTravelKm float64
	// NewASN also alerts (low) on a sign-in from an ASN new to the user
	// in a known country. Off by default: home ISPs and mobile carriers
	// change often.
	NewASN bool

	// IMAPMinSessions: earlier sessions a user needs before download
	// volume is judged.
	IMAPMinSessions int
	// IMAPMinMessages and IMAPMinBytes are absolute floors: a session
	// must download at least this many message bodies or bytes.
	IMAPMinMessages int64
	IMAPMinBytes    int64
	// IMAPMinRatio: the session must exceed this multiple of the user's
	// median.
	IMAPMinRatio float64
	// IMAPMinScore: robust z-score the session must reach, computed on
	// log(1+value) against the log of the user's earlier sessions:
	// (log value − median) / (1.4826 × MAD).
	IMAPMinScore float64

	// MaxMembers caps the member origins of an aggregate alert.
	MaxMembers int
	// MaxRecordsPerKey caps the records held per user or address until a
	// flush judges them; further records are counted but not kept (a
	// bound on memory).
	MaxRecordsPerKey int
}

// DefaultOptions are the documented defaults (docs/baseline.md).
var DefaultOptions = Options{
	LearningPeriod:     7 * 24 * time.Hour,
	MinHistory:         10,
	Retention:          90 * 24 * time.Hour,
	AccessWindow:       time.Hour,
	SyncMinFolders:     20,
	BindMinItems:       500,
	PeakFactor:         2,
	FailWindow:         time.Hour,
	SprayMinUsers:      10,
	SprayMinFailRatio:  0.8,
	BruteMinFailures:   20,
	SuccessMinFailures: 5,
	MaxSpeedKmh:        900,
	MinTravelKm:        500,
	IMAPMinSessions:    20,
	IMAPMinMessages:    1000,
	IMAPMinBytes:       256 << 20,
	IMAPMinRatio:       5,
	IMAPMinScore:       4,
	MaxMembers:         1000,
	MaxRecordsPerKey:   1 << 20,
}

func (o Options) withDefaults() Options {
	d := DefaultOptions
	setDur := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	setInt := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	setF := func(p *float64, v float64) {
		if *p <= 0 {
			*p = v
		}
	}
	setDur(&o.LearningPeriod, d.LearningPeriod)
	setInt(&o.MinHistory, d.MinHistory)
	setDur(&o.Retention, d.Retention)
	setDur(&o.AccessWindow, d.AccessWindow)
	setInt(&o.SyncMinFolders, d.SyncMinFolders)
	setInt(&o.BindMinItems, d.BindMinItems)
	setF(&o.PeakFactor, d.PeakFactor)
	setDur(&o.FailWindow, d.FailWindow)
	setInt(&o.SprayMinUsers, d.SprayMinUsers)
	setF(&o.SprayMinFailRatio, d.SprayMinFailRatio)
	setInt(&o.BruteMinFailures, d.BruteMinFailures)
	setInt(&o.SuccessMinFailures, d.SuccessMinFailures)
	setF(&o.MaxSpeedKmh, d.MaxSpeedKmh)
	setF(&o.MinTravelKm, d.MinTravelKm)
	setInt(&o.IMAPMinSessions, d.IMAPMinSessions)
	if o.IMAPMinMessages <= 0 {
		o.IMAPMinMessages = d.IMAPMinMessages
	}
	if o.IMAPMinBytes <= 0 {
		o.IMAPMinBytes = d.IMAPMinBytes
	}
	setF(&o.IMAPMinRatio, d.IMAPMinRatio)
	setF(&o.IMAPMinScore, d.IMAPMinScore)
	setInt(&o.MaxMembers, d.MaxMembers)
	setInt(&o.MaxRecordsPerKey, d.MaxRecordsPerKey)
	return o
}
