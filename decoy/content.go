package decoy

import (
	"fmt"
	"strings"
)

// setVars fills the per-decoy variables templates refer to. Values are
// fixed for the whole conversation so every mention agrees.
func (c *composer) setVars(s, rc, third *persona) {
	r := c.r
	v := make(map[string]string, 64)
	c.vars = v
	c.sender = s
	v["first"], v["rname"], v["rdept"] = rc.first, rc.Name, rc.Department
	v["sfirst"], v["sname"], v["sdept"] = s.first, s.Name, s.Department
	v["cfirst"], v["cname"] = third.first, third.Name
	v["org"] = c.org.Name
	v["servicename"] = pick(r, []string{"the VPN", "vCenter", "the finance share", "Workday", "the firewall", "SAP", "the backup console", "Azure AD"})
	v["vpnhost"] = pick(r, []string{"vpn", "remote", "gp", "access"}) + "." + c.org.Domain
	b := c.crumbs
	if b.CredService != "" {
		v["service"], v["servicename"] = b.CredService, b.CredService
	} else if b.Host != "" {
		v["service"] = b.Host
	} else {
		v["service"] = pick(r, []string{"the portal", "the VPN", "the admin console", "the share"})
	}
	if b.Host != "" {
		v["host"] = b.Host
		if r.IntN(2) == 0 {
			v["vpnhost"] = b.Host
		}
	}
	v["user"], v["pass"], v["canary"] = b.CredUser, b.CredPassword, b.CanaryAddress
}

func money(cur string, v int64, cents bool) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	if cents {
		b.WriteString(".00")
	}
	return cur + b.String()
}

func walletAddr(c *composer) string {
	if c.r.IntN(2) == 0 {
		return "0x" + hexString(c.r, 40)
	}
	const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	lower := strings.ToLower(b58)
	b := make([]byte, 0, 42)
	b = append(b, "bc1q"...)
	for i := 0; i < 38; i++ {
		b = append(b, lower[c.r.IntN(len(b58))%33])
	}
	return string(b)
}

func seedPhrase(c *composer, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			if i%4 == 0 && c.r.IntN(2) == 0 {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(pick(c.r, seedWords))
	}
	return b.String()
}

func backupCodes(c *composer) string {
	var b strings.Builder
	k := 8 + c.r.IntN(3)
	style := c.r.IntN(3)
	for i := 0; i < k; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch style {
		case 0:
			fmt.Fprintf(&b, "%04d %04d", c.r.IntN(10000), c.r.IntN(10000))
		case 1:
			fmt.Fprintf(&b, "%d. %08d", i+1, c.r.IntN(100000000))
		default:
			fmt.Fprintf(&b, "%s-%s", hexString(c.r, 5), hexString(c.r, 5))
		}
	}
	return b.String()
}

// lazyVar computes a variable the first time a template uses it, so a
// decoy pays only for what its templates mention. Values that belong
// together are set together.
func (c *composer) lazyVar(name string) (string, bool) {
	r, v := c.r, c.vars
	d := c.top
	switch name {
	case "vendor", "vendorfile":
		vendor := pick(r, vendorHeads) + " " + pick(r, vendorTails)
		v["vendor"] = vendor
		v["vendorfile"] = strings.ReplaceAll(strings.Fields(vendor)[0], "&", "")
	case "amount", "amount2", "currencyword":
		cur := pick(r, []string{"$", "$", "USD ", "EUR ", "€", "GBP ", "£"})
		amt := int64(2000+r.IntN(400000)) * int64(1+r.IntN(8))
		v["amount"] = money(cur, amt, r.IntN(3) == 0)
		v["amount2"] = money(cur, amt*int64(5+r.IntN(60))/100, r.IntN(2) == 0)
		v["currencyword"] = map[string]string{"$": "USD", "USD ": "US dollars", "EUR ": "euro", "€": "EUR", "GBP ": "sterling", "£": "GBP"}[cur]
	case "codename", "codenamefile":
		code := pick(r, codeAdjs) + " " + pick(r, codeNouns)
		if r.IntN(2) == 0 {
			code = pick(r, codeNouns)
		}
		v["codename"] = "Project " + code
		v["codenamefile"] = strings.ReplaceAll(code, " ", "")
	case "salary", "salary2":
		sal := 60000 + r.IntN(240)*1000
		v["salary"] = money("$", int64(sal), false)
		v["salary2"] = money("$", int64(sal*(100+3+r.IntN(15))/100/500*500), false)
	case "matter", "matterfile":
		v["matter"] = fmt.Sprintf("%s-%d-%04d", pick(r, []string{"LIT", "M", "REG", "EMP", "IP"}), d.Year()%100, r.IntN(10000))
		v["matterfile"] = strings.ReplaceAll(v["matter"], "-", "_")
	case "wallet", "walletend":
		v["wallet"] = walletAddr(c)
		v["walletend"] = v["wallet"][len(v["wallet"])-4:]
	case "words", "seed":
		words := 12
		if r.IntN(3) == 0 {
			words = 24
		}
		v["words"] = fmt.Sprint(words)
		v["seed"] = seedPhrase(c, words)
	case "srv", "vaultpath":
		v["srv"] = fmt.Sprintf("%s%02d", pick(r, []string{"dc", "sql", "esx", "fs", "bkp", "fw"}), 1+r.IntN(12))
		v["vaultpath"] = pick(r, []string{"Infra/", "Shared/IT/", "BreakGlass/", "Prod/Admins/"}) + v["srv"]
	case "bank":
		v["bank"] = pick(r, bankHeads) + " " + pick(r, bankTails)
	case "bank2":
		v["bank2"] = pick(r, bankHeads) + " " + pick(r, bankTails)
	case "acct4":
		v["acct4"] = fmt.Sprintf("%04d", r.IntN(10000))
	case "acctnew":
		v["acctnew"] = fmt.Sprintf("%d%09d", 1+r.IntN(9), r.IntN(1000000000))
	case "routing":
		v["routing"] = fmt.Sprintf("0%08d", r.IntN(100000000))
	case "iban":
		v["iban"] = fmt.Sprintf("%s%02d %s %04d %04d %04d %02d", pick(r, []string{"GB", "NL", "IE", "DE", "FR"}), r.IntN(100),
			pick(r, []string{"NWBK", "ABNA", "BOFI", "DEUT", "BNPA", "RABO"}), r.IntN(10000), r.IntN(10000), r.IntN(10000), r.IntN(100))
	case "swift":
		v["swift"] = fmt.Sprintf("%c%c%c%c%s%c%c", 'A'+r.IntN(26), 'A'+r.IntN(26), 'A'+r.IntN(26), 'A'+r.IntN(26),
			pick(r, []string{"US", "GB", "NL", "IE", "SG", "CA"}), 'A'+r.IntN(26), '0'+r.IntN(10))
	case "inv":
		v["inv"] = pick(r, []string{"INV-", "INV", "#", "No. ", "AR-"}) + fmt.Sprint(10000+r.IntN(890000))
	case "po":
		v["po"] = pick(r, []string{"PO ", "PO-", "PO#", "4500"}) + fmt.Sprint(100000+r.IntN(900000))
	case "ref":
		v["ref"] = fmt.Sprintf("%s%d", pick(r, []string{"FT", "WT", "TRN", "REF", ""}), 10000000+r.IntN(89999999))
	case "day":
		v["day"] = pick(r, []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"})
	case "date":
		due := d.AddDate(0, 0, 3+r.IntN(40))
		v["date"] = due.Format(pick(r, []string{"January 2", "Jan 2", "2 January", "1/2", "Monday 2 Jan", "Jan 2, 2006"}))
	case "month":
		v["month"] = months[d.Month()-1]
	case "mm":
		v["mm"] = fmt.Sprintf("%02d", int(d.Month()))
	case "dd":
		v["dd"] = fmt.Sprintf("%02d", d.Day())
	case "year":
		v["year"] = fmt.Sprint(d.Year())
	case "quarter":
		v["quarter"] = fmt.Sprintf("Q%d", (int(d.Month())+2)/3)
	case "week":
		v["week"] = fmt.Sprint(1 + d.YearDay()/7)
	case "n":
		v["n"] = fmt.Sprint(2 + r.IntN(7))
	case "count":
		v["count"] = fmt.Sprint(3 + r.IntN(40))
	case "days":
		v["days"] = fmt.Sprint(5 + r.IntN(85))
	case "pct":
		v["pct"] = fmt.Sprintf("%d.%d", 1+r.IntN(38), r.IntN(10))
	case "gl":
		v["gl"] = fmt.Sprint(60000 + r.IntN(9999))
	case "target":
		v["target"] = pick(r, vendorHeads) + " " + pick(r, []string{"Holdings", "Group", "Inc.", "AG", "plc", "Technologies", "Brands"})
	case "price":
		v["price"] = fmt.Sprintf("%s%d.%02d", pick(r, []string{"$", "$", "€", "£"}), 8+r.IntN(140), r.IntN(100))
	case "case":
		v["case"] = pick(r, lastNames) + " v. " + pick(r, []string{c.org.Name, c.org.Name, pick(r, vendorHeads) + " " + pick(r, vendorTails)})
	case "casenum":
		v["casenum"] = fmt.Sprintf("#%d", 1000+r.IntN(9000))
	case "court":
		v["court"] = pick(r, courtNames)
	case "ticket":
		v["ticket"] = fmt.Sprintf("%s%07d", pick(r, []string{"INC", "RITM", "SR", "REQ", "TKT-"}), r.IntN(10000000))
	case "chg":
		v["chg"] = fmt.Sprintf("CHG%07d", r.IntN(10000000))
	case "empid":
		v["empid"] = fmt.Sprintf("%s%05d", pick(r, []string{"E", "EMP", "", "NM"}), r.IntN(100000))
	case "empcount":
		v["empcount"] = fmt.Sprint(4 + r.IntN(300))
	case "band":
		v["band"] = fmt.Sprintf("%s%d", pick(r, []string{"L", "G", "P", "M", "E"}), 3+r.IntN(7))
	case "exch":
		v["exch"] = pick(r, []string{"Kraken", "Coinbase Prime", "Bitstamp", "Gemini", "the exchange", "our OTC desk"})
	case "btc":
		v["btc"] = pick(r, []string{fmt.Sprintf("%d.%04d BTC", 1+r.IntN(60), r.IntN(10000)), fmt.Sprintf("%d ETH", 20+r.IntN(900)), fmt.Sprintf("%d,%03d USDC", 10+r.IntN(900), r.IntN(1000))})
	case "txhash":
		v["txhash"] = hexString(r, 16) + "…"
	case "codes":
		v["codes"] = backupCodes(c)
	case "pin":
		v["pin"] = fmt.Sprintf("%06d", r.IntN(1000000))
	case "adminuser":
		v["adminuser"] = pick(r, []string{"adm-", "admin.", "da_", "svc-", "bg-"}) + asciiFold(c.sender.last)
	case "file":
		v["file"] = c.expandString(pick(r, c.theme.files))
	default:
		return "", false
	}
	return v[name], true
}
