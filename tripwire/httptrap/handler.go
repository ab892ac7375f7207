package httptrap

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/mailtrip/mailtrip/token"
	"github.com/mailtrip/mailtrip/tripwire"
)

// Form fields a login POST names its user and password by.
var (
	userFields = []string{"username", "user", "email", "login", "loginfmt", "userid", "account"}
	passFields = []string{"password", "passwd", "pass", "pwd"}
)

// maxDetailPath bounds path and query as kept in Detail (the header limit
// bounds them already; this keeps a stored hit small).
const maxDetailPath = 2048

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	src, peer := s.client(r)
	if !s.cfg.Limiter.Allow(src.Addr()) {
		s.refused.Add(1)
		setCommon(w)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		return
	}
	p := r.URL.Path
	login := loginPath(p)
	serverName := ""
	if r.TLS != nil {
		serverName = r.TLS.ServerName
	}
	subs := Candidates(r.Host, serverName, r.RequestURI)

	// Our own login form: the POST is the breadcrumb's payload.
	var user, pass string
	var fields []string
	ownForm := login && s.cfg.Login == nil && r.Method == http.MethodPost
	if ownForm {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxFormBytes)
		if err := r.ParseForm(); err == nil {
			user, pass, fields, subs = readForm(r, subs)
		}
	}

	if len(subs) == 0 && user == "" {
		s.noise.Add(1)
		s.answer(w, r, src, login, ownForm, false)
		return
	}

	// Every touch is a stored row: fields the request did not have are left
	// out rather than kept empty.
	detail := make(map[string]any, 8)
	detail["method"] = r.Method
	detail["path"] = truncate(p, maxDetailPath)
	detail["host"] = r.Host
	detail["proto"] = r.Proto
	if q := r.URL.RawQuery; q != "" {
		detail["query"] = truncate(q, maxDetailPath)
	}
	if serverName != "" {
		detail["tls_server_name"] = serverName
	}
	if ref := r.Referer(); ref != "" {
		detail["referer"] = truncate(ref, maxHeaderValue)
	}
	hdr, cut := headerCopy(r.Header)
	detail["headers"] = hdr
	if cut {
		detail["headers_truncated"] = true
	}
	if peer != src {
		detail["peer"] = peer.String()
	}
	if ownForm {
		detail["login"] = true
		detail["form_fields"] = fields
	}
	hit := tripwire.Hit{
		Time:      time.Now(),
		Trap:      tripwire.TrapHTTP,
		Source:    src,
		UserAgent: truncate(r.UserAgent(), maxHeaderValue),
		Subs:      subs,
		User:      user,
		Password:  pass,
		Detail:    detail,
		Prefetch:  prefetch(r),
	}
	// The hit must be stored even when the client hangs up: a client that
	// vanished may still be one that saw an answer through a proxy. (The
	// request's context carries nothing Record needs.)
	_, err := s.rec.Record(s.recordCtx(), hit)
	if err != nil {
		s.errs.Add(1)
		s.log.Error("httptrap: record hit", "source", src, "path", hit.Detail["path"], "err", err)
		setCommon(w)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	s.hits.Add(1)
	s.answer(w, r, src, login, ownForm, true)
}

// readForm takes user and password from a posted login form, the names of
// the fields posted, and adds candidates found in the other fields (a sid
// kept in a hidden input).
func readForm(r *http.Request, subs []token.SubID) (user, pass string, fields []string, out []token.SubID) {
	for _, k := range userFields {
		if v := strings.TrimSpace(r.PostForm.Get(k)); v != "" {
			user = truncate(v, 256)
			break
		}
	}
	for _, k := range passFields {
		if v := r.PostForm.Get(k); v != "" {
			pass = truncate(v, 256)
			break
		}
	}
	secret := map[string]bool{}
	for _, k := range passFields {
		secret[k] = true
	}
	for k, vs := range r.PostForm {
		if len(fields) < 32 {
			fields = append(fields, truncate(k, 64))
		}
		if secret[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			for _, c := range token.Find(truncate(v, 1024)) {
				if len(subs) >= MaxSubs {
					break
				}
				dup := false
				for _, o := range subs {
					dup = dup || o == c
				}
				if !dup {
					subs = append(subs, c)
				}
			}
		}
	}
	return user, pass, fields, subs
}

// answer writes the response, chosen by path (see pages.go). hasToken
// only decides between a portal page and a 404 for paths of no known
// shape; it says whether the request carried a candidate, never whether
// one resolved.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, src netip.AddrPort, login, posted, hasToken bool) {
	p := r.URL.Path
	switch {
	case login && s.cfg.Login != nil:
		s.cfg.Login.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, src)))
	case login && resetPath(p):
		writeHTML(w, http.StatusOK, resetPage(posted))
	case login:
		writeHTML(w, http.StatusOK, loginPage(posted))
	default:
		if ctype, body, ok := imageFor(p); ok {
			writeImage(w, ctype, body)
			return
		}
		if name, ok := docPath(p); ok && hasToken {
			writeHTML(w, http.StatusOK, docPage(name, p))
			return
		}
		switch {
		case p == "/" || p == "/index.html":
			writeHTML(w, http.StatusOK, landingPage)
		case hasToken:
			writeHTML(w, http.StatusOK, docPage("", p))
		default:
			writeHTML(w, http.StatusNotFound, notFoundPage)
		}
	}
}
