package decoy

import (
	"fmt"
	"math/rand/v2"
)

// Name pools for generated personas: given and family names from many
// languages, so a roster looks like a present-day multinational.
var firstNames = []string{
	"Priya", "Omar", "Hannah", "Mateo", "Aisha", "Lukas", "Mei", "Daniel", "Fatima", "Jonah",
	"Sofia", "Kwame", "Elena", "Ravi", "Chloe", "Tomasz", "Yuki", "Marcus", "Leila", "Diego",
	"Grace", "Arjun", "Ingrid", "Samuel", "Nadia", "Ethan", "Zanele", "Hiroshi", "Olivia", "Karim",
	"Rachel", "Andrés", "Noor", "Patrick", "Amara", "Felix", "Beatriz", "Jamal", "Sarah", "Minh",
	"Isabel", "Kofi", "Anneke", "Victor", "Rosa", "Wei", "Megan", "Emeka", "Julia", "Stefan",
	"Camila", "Tariq", "Laura", "Sven", "Ayesha", "Brandon", "Chiara", "Dev", "Eleni", "Gareth",
	"Hyun-woo", "Ines", "Joaquín", "Katarzyna", "Liam", "Mariam", "Nikolai", "Ozlem", "Pedro", "Quinn",
	"Renée", "Sanjay", "Thandiwe", "Ulrich", "Valentina", "Wyatt", "Ximena", "Yasmin", "Zoë", "Alicia",
	"Bogdan", "Carmen", "Dmitri", "Esther", "Farah", "Gustavo", "Helena", "Ibrahim", "Jessica", "Kenji",
}

var lastNames = []string{
	"Raman", "Haddad", "Keller", "Alvarez", "Okafor", "Brandt", "Chen", "Whitaker", "Rahman", "Lindqvist",
	"Moreau", "Mensah", "Petrova", "Iyer", "Dubois", "Nowak", "Tanaka", "Bell", "Farouk", "Castillo",
	"O'Brien", "Kapoor", "Halvorsen", "Adeyemi", "Novak", "Gallagher", "Dlamini", "Sato", "Fischer", "Mansour",
	"Goldberg", "Restrepo", "Qureshi", "Doyle", "Eze", "Hoffmann", "Carvalho", "Jackson", "Levy", "Nguyen",
	"Serrano", "Boateng", "de Vries", "Kowalczyk", "Romano", "Zhang", "Sullivan", "Obi", "Schneider", "Lund",
	"Ortega", "Siddiqui", "Marsh", "Berg", "Malik", "Foster", "Esposito", "Bhatt", "Papadopoulos", "Hughes",
	"Park", "Yilmaz", "Fernández", "Wiśniewska", "Murphy", "Aziz", "Volkov", "Demir", "Santos", "Reid",
	"Fontaine", "Menon", "Nkosi", "Weber", "Ricci", "Lin", "Cooper", "Ansah", "Kraus", "Delgado",
}

var defaultDepartments = []string{
	"Finance", "Treasury", "Legal", "IT", "Human Resources", "Executive Office", "Operations",
	"Procurement", "Security", "Corporate Development", "Payroll", "Sales",
}

// Titles per department; unknown departments use generic ones.
var titlesByDept = map[string][]string{
	"Finance": {"Senior Accountant", "Accounts Payable Specialist", "Financial Controller", "FP&A Manager",
		"Assistant Controller", "Staff Accountant", "VP Finance", "Chief Financial Officer", "AP Team Lead",
		"Accounting Manager", "Revenue Accountant", "Finance Business Partner"},
	"Treasury": {"Treasury Analyst", "Treasurer", "Cash Manager", "Head of Treasury", "Treasury Operations Lead",
		"Senior Treasury Analyst", "Payments Manager", "Banking Relationship Manager"},
	"Legal": {"General Counsel", "Senior Counsel", "Paralegal", "Legal Operations Manager", "Deputy General Counsel",
		"Corporate Counsel", "eDiscovery Specialist", "Contracts Manager", "Compliance Counsel"},
	"IT": {"Systems Administrator", "IT Service Desk Lead", "Network Engineer", "IT Director", "Identity Engineer",
		"Infrastructure Manager", "Desktop Support Technician", "Cloud Engineer", "CIO", "Messaging Engineer",
		"IT Operations Analyst", "Site Reliability Engineer"},
	"Human Resources": {"HR Business Partner", "Compensation Analyst", "Chief People Officer", "HR Generalist",
		"Talent Acquisition Lead", "Total Rewards Manager", "HR Operations Specialist", "People Partner"},
	"Executive Office": {"Chief Executive Officer", "Chief Operating Officer", "Executive Assistant to the CEO",
		"Chief of Staff", "President", "Board Liaison", "Executive Assistant"},
	"Operations": {"Operations Manager", "Director of Operations", "Logistics Coordinator", "Facilities Manager",
		"Supply Chain Analyst", "Operations Analyst"},
	"Procurement": {"Procurement Manager", "Buyer", "Vendor Management Lead", "Sourcing Specialist",
		"Purchasing Coordinator", "Category Manager"},
	"Security": {"Security Analyst", "CISO", "Security Engineer", "IAM Lead", "SOC Manager", "GRC Analyst"},
	"Corporate Development": {"VP Corporate Development", "M&A Associate", "Strategy Director",
		"Corporate Development Analyst", "Integration Lead"},
	"Payroll": {"Payroll Specialist", "Payroll Manager", "Payroll Administrator", "Senior Payroll Analyst",
		"Benefits & Payroll Coordinator"},
	"Sales": {"Account Executive", "Regional Sales Director", "Sales Operations Manager", "Key Account Manager",
		"VP Sales", "Deal Desk Analyst"},
}

var genericTitles = []string{"Manager", "Senior Analyst", "Director", "Coordinator", "Specialist", "Associate",
	"Team Lead", "Program Manager", "Analyst", "Senior Manager"}

var postNominals = map[string][]string{
	"Finance":         {"CPA", "ACCA", "CMA", "CFA"},
	"Treasury":        {"CTP", "CFA"},
	"Legal":           {"Esq.", "J.D.", "CIPP/E"},
	"IT":              {"CISSP", "MCSE", "CCNP"},
	"Human Resources": {"SHRM-CP", "SPHR", "CCP"},
	"Security":        {"CISSP", "CISM", "OSCP"},
	"Payroll":         {"CPP", "FPC"},
}

func titleFor(r *rand.Rand, dept string) string {
	if ts, ok := titlesByDept[dept]; ok {
		return pick(r, ts)
	}
	t := pick(r, genericTitles)
	if r.IntN(2) == 0 {
		return t + ", " + dept
	}
	return dept + " " + t
}

// office is a site of the organisation, used in signatures.
type office struct {
	street, suite, city, region, postal, country string
	dial, area                                   string
}

type city struct{ name, region, postal, country, dial, area string }

var cities = []city{
	{"Chicago", "IL", "60606", "USA", "+1", "312"}, {"Seattle", "WA", "98101", "USA", "+1", "206"},
	{"Austin", "TX", "78701", "USA", "+1", "512"}, {"Boston", "MA", "02110", "USA", "+1", "617"},
	{"Denver", "CO", "80202", "USA", "+1", "303"}, {"Atlanta", "GA", "30303", "USA", "+1", "404"},
	{"Minneapolis", "MN", "55402", "USA", "+1", "612"}, {"Toronto", "ON", "M5J 2N1", "Canada", "+1", "416"},
	{"London", "", "EC2M 7PY", "United Kingdom", "+44", "20"}, {"Dublin", "", "D02 X285", "Ireland", "+353", "1"},
	{"Rotterdam", "", "3011 AD", "Netherlands", "+31", "10"}, {"Singapore", "", "018989", "Singapore", "+65", ""},
	{"Charlotte", "NC", "28202", "USA", "+1", "704"}, {"Columbus", "OH", "43215", "USA", "+1", "614"},
	{"Phoenix", "AZ", "85004", "USA", "+1", "602"}, {"Nashville", "TN", "37219", "USA", "+1", "615"},
}

var streetNames = []string{"Harbor Point", "Meridian", "Lakeview", "Granite", "Wacker", "Commerce", "Riverside",
	"Summit Ridge", "Canal", "Foundry", "Union", "Bayshore", "Kingfisher", "Millbrook", "Orchard", "Quarry"}

var streetKinds = []string{"Drive", "Avenue", "Street", "Boulevard", "Plaza", "Way", "Parkway", "Road"}

func makeOffices(r *rand.Rand, n int) []office {
	cs := append([]city(nil), cities...)
	r.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
	out := make([]office, 0, n)
	for i := 0; i < n && i < len(cs); i++ {
		c := cs[i]
		o := office{
			street: fmt.Sprintf("%d %s %s", 100+r.IntN(9800), pick(r, streetNames), pick(r, streetKinds)),
			city:   c.name, region: c.region, postal: c.postal, country: c.country, dial: c.dial, area: c.area,
		}
		switch r.IntN(3) {
		case 0:
			o.suite = fmt.Sprintf("Suite %d", 100*(1+r.IntN(30))+r.IntN(20))
		case 1:
			o.suite = fmt.Sprintf("Floor %d", 2+r.IntN(40))
		}
		out = append(out, o)
	}
	return out
}

// phoneNumber returns a number in the 555-01xx range reserved for fiction
// (North America) or an obviously unassigned block elsewhere.
func phoneNumber(r *rand.Rand, o office) string {
	if o.dial == "+1" {
		return fmt.Sprintf("+1 %s 555 01%02d", o.area, r.IntN(100))
	}
	if o.area == "" {
		return fmt.Sprintf("%s 6%03d %04d", o.dial, r.IntN(1000), r.IntN(10000))
	}
	return fmt.Sprintf("%s %s 7%03d %04d", o.dial, o.area, r.IntN(1000), r.IntN(10000))
}
