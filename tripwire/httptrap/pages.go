package httptrap

import (
	"bytes"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
)

// What the trap answers. The choice depends on the request's path only —
// never on whether a candidate resolved to a decoy, nor on the recorder's
// result — so a prober learns nothing about which breadcrumbs are live.

// The 1×1 images. GIF is the classic 43-byte transparent pixel; PNG and
// JPEG are encoded once at start.
var (
	pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	pixelPNG = func() []byte {
		img := image.NewNRGBA(image.Rect(0, 0, 1, 1)) // transparent
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return pixelGIF
		}
		return b.Bytes()
	}()
	pixelJPEG = func() []byte {
		img := image.NewRGBA(image.Rect(0, 0, 1, 1))
		img.Set(0, 0, color.White) // JPEG has no transparency
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
			return pixelGIF
		}
		return b.Bytes()
	}()
)

// imageFor returns the content type and bytes of the pixel for an image
// path: one under /img/, /static/ or /assets/email/, or ending in an image
// extension. The type follows the file name's extension; GIF otherwise.
func imageFor(p string) (ctype string, body []byte, ok bool) {
	ext := strings.ToLower(path.Ext(p))
	switch ext {
	case ".png", ".webp", ".ico", ".bmp":
		return "image/png", pixelPNG, true
	case ".gif":
		return "image/gif", pixelGIF, true
	case ".jpg", ".jpeg":
		return "image/jpeg", pixelJPEG, true
	}
	if strings.HasPrefix(p, "/img/") || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/assets/email/") {
		return "image/gif", pixelGIF, true
	}
	return "", nil, false
}

// loginPath reports whether p is one of the sign-in or password-reset
// pages.
func loginPath(p string) bool {
	switch strings.ToLower(strings.TrimSuffix(p, "/")) {
	case "/login", "/signin", "/sign-in", "/logon", "/auth/login", "/account/login",
		"/account/signin", "/account/reset", "/account/recover", "/password/reset", "/reset-password":
		return true
	}
	return false
}

func resetPath(p string) bool {
	p = strings.ToLower(strings.TrimSuffix(p, "/"))
	return strings.Contains(p, "reset") || strings.Contains(p, "recover")
}

// docPath reports whether p looks like a shared-document link, and names
// the document when the path does.
func docPath(p string) (name string, ok bool) {
	switch {
	case strings.HasPrefix(p, "/s/"), strings.HasPrefix(p, "/d/"), strings.HasPrefix(p, "/share/"),
		strings.HasPrefix(p, "/files/"), p == "/view", strings.HasPrefix(p, "/view/"):
	default:
		return "", false
	}
	base := path.Base(p)
	if strings.Contains(base, ".") && len(base) <= 120 {
		name = base
	}
	return name, true
}

// The values of the headers every answer carries, shared by all answers
// (net/http only reads them): nothing cached, so a second touch is a
// second request.
var (
	hdrCacheControl = []string{"no-store, no-cache, must-revalidate, private"}
	hdrPragma       = []string{"no-cache"}
	hdrNoSniff      = []string{"nosniff"}
	hdrNoReferrer   = []string{"no-referrer"}
)

// setCommon sets the headers every answer carries. The keys are in
// canonical form already, so they are assigned without Header.Set's
// canonicalisation and a new slice per value.
func setCommon(w http.ResponseWriter) {
	h := w.Header()
	h["Cache-Control"] = hdrCacheControl
	h["Pragma"] = hdrPragma
	h["X-Content-Type-Options"] = hdrNoSniff
	h["Referrer-Policy"] = hdrNoReferrer
}

// Each pixel's Content-Type and Content-Length values, made once.
var imageHeaders sync.Map // imageKey → *[2][]string

type imageKey struct {
	ctype string
	size  int
}

func writeImage(w http.ResponseWriter, ctype string, body []byte) {
	setCommon(w)
	k := imageKey{ctype, len(body)}
	v, ok := imageHeaders.Load(k)
	if !ok {
		v, _ = imageHeaders.LoadOrStore(k, &[2][]string{{ctype}, {strconv.Itoa(len(body))}})
	}
	hv := v.(*[2][]string)
	h := w.Header()
	h["Content-Type"] = hv[0]
	h["Content-Length"] = hv[1]
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func writeHTML(w http.ResponseWriter, code int, body string) {
	setCommon(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write([]byte(body))
}

const pageHead = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>`

const pageStyle = `</title>
<style>body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f3f4f6;color:#1f2937;margin:0}
.box{max-width:420px;margin:10vh auto;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:32px}
h1{font-size:20px;margin:0 0 16px}p{font-size:14px;line-height:1.5;color:#4b5563}
label{display:block;font-size:13px;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:9px;border:1px solid #d1d5db;border-radius:4px}
button,.btn{display:inline-block;margin-top:18px;background:#2563eb;color:#fff;border:0;border-radius:4px;padding:10px 18px;font-size:14px;text-decoration:none;cursor:pointer}
.err{color:#b91c1c;font-size:13px}.muted{font-size:12px;color:#9ca3af;margin-top:24px}.doc{font-weight:600;word-break:break-all}</style>
</head><body><div class="box">`

const pageFoot = `<p class="muted">Secure file sharing &middot; Protected by single sign-on</p></div></body></html>
`

func page(title, body string) string {
	return pageHead + html.EscapeString(title) + pageStyle + body + pageFoot
}

// loginPage renders the sign-in form; it posts back to the same URL, so a
// sid in the query comes back with the credentials.
func loginPage(failed bool) string {
	msg := `<p>Sign in with your organisation account to continue.</p>`
	if failed {
		msg = `<p class="err">The user name or password you entered is incorrect. Please try again.</p>`
	}
	return page("Sign in", `<h1>Sign in</h1>`+msg+`<form method="post" autocomplete="on">
<label for="u">Email or user name</label><input id="u" name="username" type="text" autocomplete="username" required>
<label for="p">Password</label><input id="p" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form><p class="muted"><a href="/account/reset">Forgot your password?</a></p>`)
}

func resetPage(sent bool) string {
	if sent {
		return page("Reset your password", `<h1>Check your email</h1><p>If an account exists for that address, we have sent a link to reset the password. The link expires in 30 minutes.</p>`)
	}
	return page("Reset your password", `<h1>Reset your password</h1><p>Enter the email address of your account and we will send you a link to choose a new password.</p>
<form method="post"><label for="u">Email address</label><input id="u" name="username" type="email" autocomplete="username" required>
<button type="submit">Send reset link</button></form>`)
}

// docPage is the portal's "sign in to view" page for a shared document.
// Its sign-in link carries the document's path back, as a real portal's
// would.
func docPage(name, requestPath string) string {
	what := "The shared file"
	if name != "" {
		what = `<span class="doc">` + html.EscapeString(name) + `</span>`
	}
	next := "/login?next=" + url.QueryEscape(truncate(requestPath, 512))
	return page("Shared document", `<h1>This document is protected</h1><p>`+what+
		` is being prepared for viewing. Sign in with your organisation account to view or download it.</p>
<a class="btn" href="`+html.EscapeString(next)+`">Sign in to view</a>`)
}

var landingPage = page("Document portal", `<h1>Document portal</h1><p>Sign in to view the files shared with you.</p><a class="btn" href="/login">Sign in</a>`)

const notFoundPage = `<html>
<head><title>404 Not Found</title></head>
<body>
<center><h1>404 Not Found</h1></center>
<hr><center>nginx</center>
</body>
</html>
`
