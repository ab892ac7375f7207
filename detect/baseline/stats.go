package baseline

import (
	"math"
	"slices"
)

// haversineKm is the great-circle distance between two points, in km.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(math.Min(1, a)))
}

// medianMAD returns the median of xs and its median absolute deviation.
func medianMAD(xs []float64) (med, mad float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med = median(s)
	for i, x := range s {
		s[i] = math.Abs(x - med)
	}
	slices.Sort(s)
	return med, median(s)
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// robustZ is (x − median) / (1.4826 × MAD): how many standard
// deviations x lies above the median if the history were normal, robust
// to outliers in it. Values are log-transformed by the caller (download
// sizes are heavy-tailed); the MAD is floored at 0.1 (about ±10%) so a
// user whose sessions are all alike does not make every small change
// infinitely unusual.
func robustZ(x, med, mad float64) float64 {
	return (x - med) / (1.4826 * math.Max(mad, 0.1))
}
