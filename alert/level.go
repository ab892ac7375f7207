package alert

import (
	"fmt"
	"strings"
)

// Level is a Sigma severity level; the zero value is Informational.
type Level int

// Levels in increasing severity, as in the Sigma specification.
const (
	Informational Level = iota
	Low
	Medium
	High
	Critical
)

var levelNames = [...]string{"informational", "low", "medium", "high", "critical"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel parses a Sigma level name (case-insensitive; "info" accepted).
func ParseLevel(s string) (Level, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "info" {
		return Informational, nil
	}
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown level %q (want one of %s)", s, strings.Join(levelNames[:], ", "))
}

// MarshalText renders the level name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText parses a level name.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
