// Package dovecottest runs a throwaway Dovecot IMAP server on 127.0.0.1
// for tests: a config in a temporary directory, one user with a random
// password, a self-signed certificate, STARTTLS and implicit-TLS
// listeners on free ports. Dovecot refuses to run its login processes as
// root, so as root it uses the dovecot and dovenull system users. A test
// that needs it skips when dovecot is not installed, and fails when the
// CI environment variable is set (CI must run the IMAP tests).
package dovecottest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a throwaway Dovecot IMAP server on 127.0.0.1 with one user.
type Server struct {
	Dir        string
	IMAPPort   int // plaintext with STARTTLS (when TLS is on)
	IMAPSPort  int // implicit TLS (when TLS is on)
	User, Pass string
	Roots      *x509.CertPool // trusts the server certificate
}

type Config struct {
	NoTLS     bool // ssl = no: no STARTTLS, no imaps listener
	NoUIDPlus bool // advertise no UIDPLUS after login
	// ReadOnlyFolders are created for the user with an ACL (Dovecot's acl
	// plugin, vfile) that lets the owner list and read them but not append
	// or change anything: "owner lr".
	ReadOnlyFolders []string
}

// Binary finds dovecot, or skips the test (fails it in CI).
func Binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/dovecot"); err == nil {
		return "/usr/sbin/dovecot"
	}
	const msg = "install dovecot-imapd: apt-get install -y dovecot-imapd"
	if os.Getenv("CI") != "" {
		t.Fatal("dovecot not found (CI must run the IMAP tests): " + msg)
	}
	t.Skip(msg)
	return ""
}

// Start runs Dovecot in the foreground from a config in a fresh
// temporary directory; t.Cleanup stops it and removes the directory.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin := Binary(t)

	// Dovecot's unprivileged processes must reach the directory, so it is
	// not t.TempDir (mode 0700 under a 0700 parent).
	dir, err := os.MkdirTemp("", "mailtrip-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	// Dovecot refuses root for its internal and login processes; as root
	// use the dovecot and dovenull users the package creates, otherwise
	// run everything as ourselves.
	internal, login, mailUser := "dovecot", "dovenull", "dovecot"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		internal, login, mailUser = u.Username, u.Username, u.Username
	}
	mu, err := user.Lookup(mailUser)
	if err != nil {
		t.Fatalf("user %s (from the dovecot-core package): %v", mailUser, err)
	}
	uid, _ := strconv.Atoi(mu.Uid)
	gid, _ := strconv.Atoi(mu.Gid)

	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(home, uid, gid); err != nil {
			t.Fatal(err)
		}
	}

	d := &Server{Dir: dir, User: "alice", Pass: randomHex(t, 12)}
	passwd := fmt.Sprintf("%s:{PLAIN}%s::::::\n", d.User, d.Pass)
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(passwd), 0o644); err != nil {
		t.Fatal(err)
	}

	ssl := "ssl = no"
	if !cfg.NoTLS {
		certPEM, keyPEM, roots := selfSignedCert(t)
		d.Roots = roots
		if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		ssl = fmt.Sprintf("ssl = yes\nssl_cert = <%s/cert.pem\nssl_key = <%s/key.pem\nssl_min_protocol = TLSv1.2", dir, dir)
	}

	plugins, imapPlugins, pluginConf := "", "", ""
	if len(cfg.ReadOnlyFolders) > 0 {
		plugins, imapPlugins = "acl", "mail_plugins = $mail_plugins imap_acl"
		pluginConf = "plugin {\n  acl = vfile\n}"
		for _, f := range cfg.ReadOnlyFolders {
			// Maildir++ layout: ~/Maildir/.Folder with cur/new/tmp.
			fd := filepath.Join(home, d.User, "Maildir", "."+strings.ReplaceAll(f, "/", "."))
			for _, sub := range []string{"cur", "new", "tmp"} {
				if err := os.MkdirAll(filepath.Join(fd, sub), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(fd, "dovecot-acl"), []byte("owner lr\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(fd, "maildirfolder"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if os.Geteuid() == 0 {
			_ = filepath.WalkDir(filepath.Join(home, d.User), func(p string, _ fs.DirEntry, err error) error {
				if err == nil {
					err = os.Chown(p, uid, gid)
				}
				return err
			})
		}
	}

	capability := ""
	if cfg.NoUIDPlus {
		capability = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ NAMESPACE CHILDREN MOVE"
	}
	// A port FreePorts found free can be taken again (by an outgoing
	// connection of a test running beside this one) before Dovecot binds
	// it; then Dovecot starts again on other ports.
	for attempt := 1; ; attempt++ {
		ports := freePorts(t, 2)
		d.IMAPPort, d.IMAPSPort = ports[0], ports[1]
		imaps := fmt.Sprintf("inet_listener imaps {\n    port = %d\n    ssl = yes\n  }", d.IMAPSPort)
		if cfg.NoTLS {
			imaps, d.IMAPSPort = "", 0
		}
		if d.launch(t, bin, dir, renderConf(dir, ssl, uid, gid, internal, login, d.IMAPPort, imaps, capability, plugins, imapPlugins, pluginConf), attempt < 3) {
			return d
		}
	}
}

// renderConf is the server's dovecot.conf.
func renderConf(dir, ssl string, uid, gid int, internal, login string, imapPort int, imaps, capability, plugins, imapPlugins, pluginConf string) string {
	return fmt.Sprintf(`# mailtrip test server
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
info_log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
%[2]s
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[3]d gid=%[4]d home=%[1]s/home/%%u
}
mail_location = maildir:~/Maildir
mail_plugins = %[10]s
%[12]s
first_valid_uid = %[3]d
last_valid_uid = 0
first_valid_gid = %[4]d
default_internal_user = %[5]s
default_login_user = %[6]s
namespace inbox {
  inbox = yes
}
protocol imap {
  mail_max_userip_connections = 50
  %[9]s
  %[11]s
}
service imap-login {
  inet_listener imap {
    port = %[7]d
  }
  %[8]s
}
`, dir, ssl, uid, gid, internal, login, imapPort, imaps, capability, plugins, imapPlugins, pluginConf)
}

// launch writes conf and starts Dovecot, waiting for its listeners. It
// returns false, with the server stopped, when Dovecot exited at start
// because a port was taken and retry is set; other failures fail t.
func (d *Server) launch(t testing.TB, bin, dir, conf string, retry bool) bool {
	t.Helper()
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "-F", "-c", confPath)
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	var waitErr error
	waited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(waited) }()
	stop := func() {
		// A throwaway server: kill its whole process group at once
		// (a graceful SIGTERM shutdown takes Dovecot about a second).
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-waited
	}
	t.Cleanup(func() {
		if t.Failed() {
			d.DumpLogs(t)
		}
		stop()
	})

	// Wait for every listener to greet as an IMAP server (a listener of
	// someone else's on the port would accept too).
	deadline := time.Now().Add(10 * time.Second)
	for _, port := range []int{d.IMAPPort, d.IMAPSPort} {
		if port == 0 {
			continue
		}
		for {
			err := d.greets(port)
			if err == nil {
				break
			}
			select {
			case <-waited:
				if retry && d.logsSay("Address already in use") {
					t.Logf("dovecot: a port was taken at start (%v); starting on others", waitErr)
					for _, name := range []string{"dovecot.log", "stdout.log"} {
						_ = os.Remove(filepath.Join(dir, name))
					}
					return false
				}
				d.DumpLogs(t)
				t.Fatalf("dovecot exited at start: %v", waitErr)
			default:
			}
			if time.Now().After(deadline) {
				d.DumpLogs(t)
				t.Fatalf("dovecot does not listen on port %d after 10s: %v", port, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return true
}

// greets connects to port (with TLS on the IMAPS port) and reads an IMAP
// greeting.
func (d *Server) greets(port int) error {
	c, err := net.DialTimeout("tcp", d.Addr(port), 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if port == d.IMAPSPort {
		cfg := d.TLSConfig()
		cfg.ServerName = "127.0.0.1"
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			return err
		}
		c = tc
	}
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(c, buf, 4)
	if err != nil {
		return err
	}
	if string(buf[:4]) != "* OK" {
		return fmt.Errorf("greeting %q is not IMAP", buf[:n])
	}
	return nil
}

// logsSay reports whether Dovecot's logs contain text.
func (d *Server) logsSay(text string) bool {
	for _, name := range []string{"dovecot.log", "stdout.log"} {
		if b, _ := os.ReadFile(filepath.Join(d.Dir, name)); bytes.Contains(b, []byte(text)) {
			return true
		}
	}
	return false
}

// DumpLogs writes Dovecot's logs to the test log.
func (d *Server) DumpLogs(t testing.TB) {
	for _, name := range []string{"dovecot.log", "stdout.log"} {
		b, _ := os.ReadFile(filepath.Join(d.Dir, name))
		t.Logf("dovecot %s:\n%s", name, b)
	}
}

// Addr is 127.0.0.1:port.
func (d *Server) Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// URL is an imaps:// (implicit TLS) or imap:// URL of the server's user
// and a folder, without password.
func (d *Server) URL(scheme, folder string) *url.URL {
	port := d.IMAPSPort
	if scheme == "imap" {
		port = d.IMAPPort
	}
	return &url.URL{Scheme: scheme, User: url.User(d.User), Host: d.Addr(port), Path: "/" + folder}
}

// TLSConfig trusts the server's certificate.
func (d *Server) TLSConfig() *tls.Config { return &tls.Config{RootCAs: d.Roots} }

// selfSignedCert makes an ECDSA certificate for 127.0.0.1 and localhost
// and a pool trusting it.
func selfSignedCert(t testing.TB) (certPEM, keyPEM []byte, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "mailtrip test IMAP server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), roots
}

// freePorts is FreePorts, replaced by a test that takes a port.
var freePorts = FreePorts

// FreePorts returns n distinct ports free on 127.0.0.1 now.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
