package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mailtrip/mailtrip"

// pkg is one package of the module as the tests see it.
type pkg struct {
	path    string          // import path
	dir     string          // directory
	doc     bool            // some non-test file has a package comment
	imports map[string]bool // non-test imports
}

func loadModule(t *testing.T) []*pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	byDir := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		p := byDir[dir]
		if p == nil {
			rel, _ := filepath.Rel(root, dir)
			ip := module
			if rel != "." {
				ip += "/" + filepath.ToSlash(rel)
			}
			p = &pkg{path: ip, dir: dir, imports: map[string]bool{}}
			byDir[dir] = p
		}
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			p.doc = true
		}
		for _, imp := range f.Imports {
			s, _ := strconv.Unquote(imp.Path.Value)
			p.imports[s] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []*pkg
	for _, p := range byDir {
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].path < pkgs[j].path })
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages; is the walk broken?", len(pkgs))
	}
	return pkgs
}

func rel(p string) string {
	return strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
}

// under reports whether package path p (relative) is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

func isStd(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}

func TestPackagesDocumented(t *testing.T) {
	for _, p := range loadModule(t) {
		if !p.doc {
			t.Errorf("%s has no package doc comment (add one, in doc.go if it needs more than a line)", p.path)
		}
	}
}

// TestImportRules enforces the import directions of ARCHITECTURE.md.
func TestImportRules(t *testing.T) {
	// Pure packages: the standard library and each other only.
	pure := []string{"event", "alert", "mailfmt", "logfmt"}
	isPure := func(r string) bool {
		for _, d := range pure {
			if under(r, d) {
				return true
			}
		}
		return false
	}
	// Network and database packages detectors and tokens must not use.
	network := []string{"net", "net/http", "net/smtp", "net/rpc", "crypto/tls", "database/sql"}
	// Heavy dependencies and the only places allowed to import them.
	heavy := map[string][]string{
		"github.com/miekg/dns":        {"tripwire/dnstrap"},
		"codeberg.org/miekg/dns":      {"tripwire/dnstrap"},
		"github.com/emersion/go-imap": {"plant/imap", "tripwire/credtrap"},
		"github.com/emersion/go-smtp": {"tripwire/smtptrap"},
		"modernc.org/sqlite":          {"cmd/mailtrip", "store"},
		"github.com/jackc/pgx":        {"cmd/mailtrip", "store/postgres"},
		"github.com/lib/pq":           {"cmd/mailtrip", "store/postgres"},
		"github.com/nats-io":          {"cmd/mailtrip", "ingest/nats"},
		"github.com/spf13/cobra":      {"cmd/mailtrip"},
	}
	for _, p := range loadModule(t) {
		r := rel(p.path)
		for imp := range p.imports {
			ir := ""
			if strings.HasPrefix(imp, module+"/") {
				ir = rel(imp)
			}
			switch {
			case isPure(r) && !isStd(imp) && !(ir != "" && isPure(ir)):
				t.Errorf("%s imports %s: event, alert, mailfmt and logfmt import only the standard library and each other", r, imp)
			case ir == "config" && r != "cmd/mailtrip":
				t.Errorf("%s imports config: only cmd/mailtrip reads configuration", r)
			case under(r, "detect") && (contains(network, imp) || under(ir, "store") || under(ir, "sink")):
				t.Errorf("%s imports %s: detectors do no network or database I/O", r, imp)
			case under(r, "tripwire") && under(ir, "detect"):
				t.Errorf("%s imports %s: tripwires produce hits, they do not run rules", r, imp)
			case under(r, "token") && contains(network, imp):
				t.Errorf("%s imports %s: token has no network code", r, imp)
			}
			for dep, allowed := range heavy {
				if imp != dep && !strings.HasPrefix(imp, dep+"/") {
					continue
				}
				ok := false
				for _, a := range allowed {
					ok = ok || under(r, a)
				}
				if !ok {
					t.Errorf("%s imports %s: that dependency belongs in %s", r, imp, strings.Join(allowed, " or "))
				}
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
