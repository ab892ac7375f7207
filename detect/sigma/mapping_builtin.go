package sigma

// The built-in mapping. Windows follows the THOR/SPARK configuration in
// SigmaHQ's repository tests (sigmahq-repo-tests/thor.yml): services are
// event log channels, categories are Sysmon, Security, PowerShell and
// Defender event ids. Microsoft 365, Google Workspace and Linux auditd
// sources are recognised from their records' own fields or from the
// ingest format hint (event.Origin.Format).

const (
	chSysmon      = "Microsoft-Windows-Sysmon/Operational"
	chLinuxSysmon = "Linux-Sysmon/Operational"
	chSecurity    = "Security"
)

// windowsServices maps Sigma service names to Windows channels.
var windowsServices = []struct {
	service  string
	channels []string
}{
	{"security", []string{chSecurity}},
	{"system", []string{"System"}},
	{"application", []string{"Application"}},
	{"sysmon", []string{chSysmon}},
	{"powershell", []string{"Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"}},
	{"powershell-classic", []string{"Windows PowerShell"}},
	{"ntlm", []string{"Microsoft-Windows-NTLM/Operational"}},
	{"taskscheduler", []string{"Microsoft-Windows-TaskScheduler/Operational"}},
	{"wmi", []string{"Microsoft-Windows-WMI-Activity/Operational"}},
	{"dhcp", []string{"Microsoft-Windows-DHCP-Server/Operational"}},
	{"printservice-admin", []string{"Microsoft-Windows-PrintService/Admin"}},
	{"printservice-operational", []string{"Microsoft-Windows-PrintService/Operational"}},
	{"smbclient-security", []string{"Microsoft-Windows-SmbClient/Security"}},
	{"smbclient-connectivity", []string{"Microsoft-Windows-SmbClient/Connectivity"}},
	{"smbserver-connectivity", []string{"Microsoft-Windows-SMBServer/Connectivity"}},
	{"terminalservices-localsessionmanager", []string{"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"}},
	{"codeintegrity-operational", []string{"Microsoft-Windows-CodeIntegrity/Operational"}},
	{"applocker", []string{"Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL",
		"Microsoft-Windows-AppLocker/Packaged app-Deployment", "Microsoft-Windows-AppLocker/Packaged app-Execution"}},
	{"msexchange-management", []string{"MSExchange Management"}},
	{"windefend", []string{"Microsoft-Windows-Windows Defender/Operational"}},
	{"firewall-as", []string{"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"}},
	{"bits-client", []string{"Microsoft-Windows-Bits-Client/Operational"}},
	{"security-mitigations", []string{"Microsoft-Windows-Security-Mitigations/Kernel Mode", "Microsoft-Windows-Security-Mitigations/User Mode"}},
	{"diagnosis-scripted", []string{"Microsoft-Windows-Diagnosis-Scripted/Operational"}},
	{"shell-core", []string{"Microsoft-Windows-Shell-Core/Operational"}},
	{"openssh", []string{"OpenSSH/Operational"}},
	{"ldap", []string{"Microsoft-Windows-LDAP-Client/Debug"}},
	{"bitlocker", []string{"Microsoft-Windows-BitLocker/BitLocker Management"}},
	{"vhdmp", []string{"Microsoft-Windows-VHDMP/Operational"}},
	{"appxdeployment-server", []string{"Microsoft-Windows-AppXDeploymentServer/Operational"}},
	{"lsa-server", []string{"Microsoft-Windows-LSA/Operational"}},
	{"appxpackaging-om", []string{"Microsoft-Windows-AppxPackaging/Operational"}},
	{"dns-client", []string{"Microsoft-Windows-DNS Client Events/Operational"}},
	{"appmodel-runtime", []string{"Microsoft-Windows-AppModel-Runtime/Admin"}},
	{"capi2", []string{"Microsoft-Windows-CAPI2/Operational"}},
	{"certificateservicesclient-lifecycle-system", []string{"Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"}},
	{"kernel-shimengine", []string{"Microsoft-Windows-Kernel-ShimEngine/Operational", "Microsoft-Windows-Kernel-ShimEngine/Diagnostic"}},
	{"application-experience", []string{"Microsoft-Windows-Application-Experience/Program-Telemetry",
		"Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant"}},
	{"ntfs", []string{"Microsoft-Windows-Ntfs/Operational"}},
	{"hyper-v-worker", []string{"Microsoft-Windows-Hyper-V-Worker", "Microsoft-Windows-Hyper-V-Worker-Admin"}},
	{"kernel-event-tracing", []string{"Microsoft-Windows-Kernel-EventTracing", "Microsoft-Windows-Kernel-EventTracing/Admin"}},
	{"sense", []string{"Microsoft-Windows-SENSE/Operational"}},
	{"servicebus-client", []string{"Microsoft-ServiceBus-Client/Admin", "Microsoft-ServiceBus-Client/Operational"}},
	{"microsoft-servicebus-client", []string{"Microsoft-ServiceBus-Client/Admin", "Microsoft-ServiceBus-Client/Operational"}},
	{"iis-configuration", []string{"Microsoft-IIS-Configuration/Operational"}},
	{"dns-server", []string{"DNS Server"}},
	{"dns-server-analytic", []string{"Microsoft-Windows-DNSServer/Analytical"}},
	{"driver-framework", []string{"Microsoft-Windows-DriverFrameworks-UserMode/Operational"}},
	{"rdp", []string{"Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"}},
	{"kerberos", []string{"Microsoft-Windows-Kerberos/Operational"}},
}

// sysmonCategories maps Sysmon event ids to Sigma categories (thor.yml).
var sysmonCategories = []struct {
	category string
	ids      []int64
	cond     map[string][]string
}{
	{"process_creation", []int64{1}, nil},
	{"file_change", []int64{2}, nil},
	{"network_connection", []int64{3}, nil},
	{"sysmon_status", []int64{4, 16}, nil},
	{"process_termination", []int64{5}, nil},
	{"driver_load", []int64{6}, nil},
	{"image_load", []int64{7}, nil},
	{"create_remote_thread", []int64{8}, nil},
	{"raw_access_thread", []int64{9}, nil},
	{"process_access", []int64{10}, nil},
	{"file_event", []int64{11}, nil},
	{"registry_event", []int64{12, 13, 14}, nil},
	{"registry_add", []int64{12}, map[string][]string{"EventType": {"CreateKey"}}},
	{"registry_delete", []int64{12}, map[string][]string{"EventType": {"DeleteKey", "DeleteValue"}}},
	{"registry_set", []int64{13}, nil},
	{"registry_rename", []int64{14}, nil},
	{"create_stream_hash", []int64{15}, nil},
	{"pipe_created", []int64{17, 18}, nil},
	{"wmi_event", []int64{19, 20, 21}, nil},
	{"dns_query", []int64{22}, nil},
	{"file_delete", []int64{23}, nil},
	{"clipboard_change", []int64{24}, nil},
	{"process_tampering", []int64{25}, nil},
	{"file_delete_detected", []int64{26}, nil},
	{"file_block_executable", []int64{27}, nil},
	{"file_block_shredding", []int64{28}, nil},
	{"file_executable_detected", []int64{29}, nil},
	{"sysmon_error", []int64{255}, nil},
}

// auditdTypes are Linux audit record types that mark an auditd record.
var auditdTypes = []string{"SYSCALL", "EXECVE", "PATH", "PROCTITLE", "CWD", "USER_CMD", "USER_AUTH",
	"USER_LOGIN", "USER_START", "USER_END", "USER_ACCT", "CRED_ACQ", "CRED_DISP", "CRED_REFR",
	"SERVICE_START", "SERVICE_STOP", "ADD_USER", "DEL_USER", "ADD_GROUP", "DEL_GROUP", "USER_CHAUTHTOK",
	"CONFIG_CHANGE", "SOCKADDR", "BPF", "ANOM_ABEND", "ANOM_PROMISCUOUS", "AVC", "LOGIN", "TTY", "USER_TTY",
	"DAEMON_START", "DAEMON_END", "MAC_STATUS", "KERN_MODULE", "NETFILTER_CFG", "TIME_ADJNTPVAL", "OBJ_PID"}

// BuiltinMapping returns the built-in sources (a fresh copy each call).
func BuiltinMapping() *Mapping {
	var ss []Source
	for _, w := range windowsServices {
		ss = append(ss, Source{Product: "windows", Service: w.service, Channels: w.channels})
	}
	for _, c := range sysmonCategories {
		ss = append(ss, Source{Product: "windows", Service: "sysmon", Category: c.category,
			Channels: []string{chSysmon}, EventIDs: c.ids, Conditions: c.cond})
	}
	// Sysmon for Linux writes the same event ids.
	for _, c := range sysmonCategories {
		switch c.category {
		case "process_creation", "network_connection", "file_event", "file_delete", "process_termination", "raw_access_thread", "process_access":
			ss = append(ss, Source{Product: "linux", Service: "sysmon", Category: c.category,
				Channels: []string{chLinuxSysmon}, EventIDs: c.ids})
		}
	}
	ss = append(ss,
		Source{Product: "linux", Service: "sysmon", Channels: []string{chLinuxSysmon}},
		Source{Product: "windows", Service: "security", Category: "process_creation",
			Channels: []string{chSecurity}, EventIDs: []int64{4688},
			FieldMappings: map[string]string{"Image": "NewProcessName", "ParentImage": "ParentProcessName"}},
		Source{Product: "windows", Service: "powershell", Category: "ps_module",
			Channels: []string{"Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"}, EventIDs: []int64{4103}},
		Source{Product: "windows", Service: "powershell", Category: "ps_script",
			Channels: []string{"Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"}, EventIDs: []int64{4104}},
		Source{Product: "windows", Service: "powershell-classic", Category: "ps_classic_start",
			Channels: []string{"Windows PowerShell"}, EventIDs: []int64{400}},
		Source{Product: "windows", Service: "powershell-classic", Category: "ps_classic_provider_start",
			Channels: []string{"Windows PowerShell"}, EventIDs: []int64{600}},
		Source{Product: "windows", Service: "powershell-classic", Category: "ps_classic_script",
			Channels: []string{"Windows PowerShell"}, EventIDs: []int64{800}},
		Source{Product: "windows", Service: "windefend", Category: "antivirus",
			Channels:      []string{"Microsoft-Windows-Windows Defender/Operational"},
			EventIDs:      []int64{1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116},
			FieldMappings: map[string]string{"Signature": "ThreatName", "Filename": "Path"}},

		// Microsoft 365 unified audit log records (UAL, Purview exports).
		Source{Product: "m365", Service: "audit", Formats: []string{"m365", "ual", "purview"}},
		Source{Product: "m365", Service: "audit", Conditions: map[string][]string{"Operation": {"*"}, "Workload": {"*"}}},
		Source{Product: "m365", Service: "exchange", Conditions: map[string][]string{"Workload": {"Exchange"}}},
		Source{Product: "m365", Service: "threat_management", Conditions: map[string][]string{"eventSource": {"SecurityComplianceCenter"}}},
		Source{Product: "m365", Service: "threat_detection", Conditions: map[string][]string{"eventSource": {"SecurityComplianceCenter"}}},

		// Google Workspace (Admin SDK reports as exported to Cloud Logging).
		Source{Product: "gcp", Service: "google_workspace.admin", Conditions: map[string][]string{"eventService": {"admin.googleapis.com"}}},
		Source{Product: "gcp", Service: "google_workspace.admin", Conditions: map[string][]string{"id.applicationName": {"admin"}}},
		Source{Product: "gcp", Service: "google_workspace.login", Conditions: map[string][]string{"eventService": {"login.googleapis.com"}}},
		Source{Product: "gcp", Service: "google_workspace.login", Conditions: map[string][]string{"id.applicationName": {"login"}}},
		Source{Product: "gcp", Service: "google_workspace.admin", Formats: []string{"gws-admin"}},
		Source{Product: "gcp", Service: "google_workspace.login", Formats: []string{"gws-login"}},

		// Linux auditd.
		Source{Product: "linux", Service: "auditd", Formats: []string{"auditd"}},
		Source{Product: "linux", Service: "auditd", Conditions: map[string][]string{"type": auditdTypes}},
	)
	return &Mapping{Sources: ss}
}
