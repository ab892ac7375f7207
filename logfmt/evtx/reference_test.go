package evtx

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The reference readers: python-evtx's evtx_dump.py (Debian package
// python3-evtx) for the XML of every record, libevtx's evtxexport (Debian
// package libevtx-utils) for the record counts.
const installHint = "install the reference readers: apt-get install -y python3-evtx libevtx-utils"

const testdataRoot = "../../../shared/testdata"

func testFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(testdataRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".evtx") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("no .evtx test files under %s: %v", testdataRoot, err)
		}
		t.Skipf("no .evtx test files under %s (%v)", testdataRoot, err)
	}
	sort.Strings(files)
	return files
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found: %s", name, installHint)
		}
		t.Skipf("%s not found; %s", name, installHint)
	}
	return p
}

// reference runs a reference tool on path, caching its output (keyed by the
// tool, its arguments and the file's SHA-256) in the user cache directory.
func reference(t *testing.T, tool string, args []string, path string) (out []byte, failed bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %q\n", tool, args)
	h.Write(data)
	key := hex.EncodeToString(h.Sum(nil))[:32]
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "mailtrip-evtx-reference")
	cached := filepath.Join(dir, key)
	if b, err := os.ReadFile(cached + ".out"); err == nil {
		_, ferr := os.Stat(cached + ".failed")
		return b, ferr == nil
	}
	cmd := exec.Command(tool, append(args, path)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = nil
	runErr := cmd.Run()
	if runErr != nil {
		if _, ok := runErr.(*exec.ExitError); !ok {
			t.Fatalf("run %s: %v", tool, runErr)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		if runErr != nil {
			os.WriteFile(cached+".failed", nil, 0o644)
		}
		os.WriteFile(cached+".out", stdout.Bytes(), 0o644)
	}
	return stdout.Bytes(), runErr != nil
}

// pyRecords splits evtx_dump.py output into the records' XML.
func pyRecords(out []byte) []string {
	s := string(out)
	if i := strings.Index(s, "<Events>\n"); i >= 0 {
		s = s[i+len("<Events>\n"):]
	}
	s = strings.TrimSuffix(s, "</Events>\n")
	const sep = "\n\n<Event xmlns="
	var recs []string
	for s != "" {
		i := strings.Index(s, sep)
		if i < 0 {
			recs = append(recs, s)
			break
		}
		recs = append(recs, s[:i+1])
		s = s[i+2:]
	}
	return recs
}

var (
	reBetween = regexp.MustCompile(`>\s+<`)
	// Our timestamps: FILETIME with 7 fractional digits, SYSTEMTIME with 3.
	reOurTime = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
)

// normalize applies the allowed normalisations: white space between
// elements, attribute quoting (&quot;), and timestamps compared as instants
// at python-evtx's precision (it converts FILETIME through a float and keeps
// microseconds; see pyFiletime).
func normalize(s string, ours bool) string {
	s = strings.TrimSpace(reBetween.ReplaceAllString(s, "><"))
	if ours {
		s = strings.ReplaceAll(s, "&quot;", `"`)
		s = reOurTime.ReplaceAllStringFunc(s, func(m string) string {
			tm, err := time.Parse(time.RFC3339Nano, m)
			if err != nil {
				return m
			}
			frac := 0
			if i := strings.IndexByte(m, '.'); i >= 0 {
				frac = len(m) - i - 2
			}
			if frac == 7 { // FILETIME
				ft := uint64(tm.Unix()+11644473600)*10_000_000 + uint64(tm.Nanosecond()/100)
				tm = pyFiletime(ft)
			}
			return pyTime(tm)
		})
	}
	return s
}

// pyFiletime is python-evtx's parse_filetime:
// datetime.utcfromtimestamp(float(qword) * 1e-7 - 11644473600), which rounds
// the float to microseconds half-to-even.
func pyFiletime(ft uint64) time.Time {
	f := float64(ft)*1e-7 - 11644473600
	ip, fp := math.Modf(f)
	us := math.RoundToEven(fp * 1e6)
	if us >= 1e6 {
		us -= 1e6
		ip++
	} else if us < 0 {
		us += 1e6
		ip--
	}
	return time.Unix(int64(ip), int64(us)*1000).UTC()
}

// pyTime is datetime.isoformat(' ').
func pyTime(t time.Time) string {
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

// divergence is one record listed in docs/evtx-divergences.md: a table row
// "| `file` | record ids | ... |" where ids are EventRecordIDs of the record
// header, comma-separated, or ranges "a-b".
type divergence struct{ file, record string }

func loadDivergences(t *testing.T) map[divergence]bool {
	t.Helper()
	m := map[divergence]bool{}
	f, err := os.Open("../../docs/evtx-divergences.md")
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) < 4 {
			continue
		}
		file := strings.Trim(strings.TrimSpace(cols[1]), "`")
		for _, part := range strings.Split(cols[2], ",") {
			part = strings.TrimSpace(part)
			lo, hi, isRange := strings.Cut(part, "-")
			a, err1 := strconv.ParseUint(lo, 10, 64)
			b, err2 := a, error(nil)
			if isRange {
				b, err2 = strconv.ParseUint(hi, 10, 64)
			}
			if err1 != nil || err2 != nil || b < a || b-a > 1_000_000 {
				t.Fatalf("docs/evtx-divergences.md: bad record ids %q in %q", part, line)
			}
			for id := a; id <= b; id++ {
				m[divergence{file, strconv.FormatUint(id, 10)}] = true
			}
		}
	}
	return m
}

func relName(path string) string {
	rel, err := filepath.Rel(testdataRoot, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// TestReferenceXML compares the XML of every record of every test file with
// python-evtx's, and the number of records with evtxexport's.
func TestReferenceXML(t *testing.T) {
	files := testFiles(t)
	pyTool := needTool(t, "evtx_dump.py")
	exTool := needTool(t, "evtxexport")
	divs := loadDivergences(t)
	used := map[divergence]bool{}
	var total, equal, listed int
	for _, path := range files {
		name := relName(path)
		t.Run(name, func(t *testing.T) {
			ours, errs := readAll(t, path)
			for _, e := range errs {
				t.Errorf("reader error: %v", e)
			}
			if want := headerRecordCount(t, path); len(ours) != want {
				t.Errorf("record count: ours %d, chunk headers %d", len(ours), want)
			}
			for _, r := range ours {
				if err := wellFormed(r.XML()); err != nil {
					t.Errorf("record %d: XML not well-formed: %v", r.ID, err)
				}
			}
			pyOut, pyFailed := reference(t, pyTool, nil, path)
			exOut, exFailed := reference(t, exTool, nil, path)
			exCount := bytes.Count(exOut, []byte("\nEvent number\t"))
			if !exFailed && exCount != len(ours) {
				t.Errorf("record count: ours %d, evtxexport %d", len(ours), exCount)
			}
			py := pyRecords(pyOut)
			if !pyFailed && len(py) != len(ours) {
				t.Errorf("record count: ours %d, evtx_dump.py %d", len(ours), len(py))
			}
			for i, r := range ours {
				total++
				d := divergence{name, strconv.FormatUint(r.ID, 10)}
				if i >= len(py) {
					if divs[d] {
						used[d] = true
						listed++
						continue
					}
					t.Errorf("record %d (EventRecordID %d): evtx_dump.py has no rendering (failed: %v) and docs/evtx-divergences.md does not list it", i, r.ID, pyFailed)
					continue
				}
				got, want := normalize(r.XML(), true), normalize(py[i], false)
				if got == want {
					equal++
					continue
				}
				if divs[d] {
					used[d] = true
					listed++
					continue
				}
				t.Errorf("record %d (EventRecordID %d) differs from evtx_dump.py:\n%s", i, r.ID, firstDiff(got, want))
			}
			if exFailed || pyFailed {
				t.Logf("reference failed: evtxexport %v, evtx_dump.py %v", exFailed, pyFailed)
			}
		})
	}
	for d := range divs {
		if !used[d] {
			t.Errorf("docs/evtx-divergences.md lists %s record %s, which does not differ", d.file, d.record)
		}
	}
	t.Logf("%d files, %d records: %d equal to evtx_dump.py, %d listed divergences", len(files), total, equal, listed)
}

func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-120)
	return fmt.Sprintf("ours: …%s…\nref:  …%s…", got[lo:min(len(got), i+120)], want[lo:min(len(want), i+120)])
}

func readAll(t testing.TB, path string) ([]*Record, []error) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(fh, st.Size(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*Record
	var errs []error
	for r, err := range f.Records(context.Background()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs, errs
}

// headerRecordCount sums the record ranges the chunk headers declare.
func headerRecordCount(t *testing.T, path string) int {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	f, err := Open(fh, st.Size(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := 0; i < f.NumChunks(); i++ {
		c, err := f.ParseChunk(context.Background(), i)
		if err != nil || c.LastRecordID == 0 && c.FirstRecordID == 0 {
			continue
		}
		n += int(c.LastRecordID - c.FirstRecordID + 1)
	}
	return n
}

// wellFormed checks that s is one well-formed XML element.
func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 || depth != 0 {
		return fmt.Errorf("%d root elements, depth %d at end", roots, depth)
	}
	return nil
}
