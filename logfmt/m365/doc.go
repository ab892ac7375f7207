// Package m365 reads Microsoft 365 and Exchange audit data into typed
// records that keep every source field:
//
//   - Unified audit log records (Office 365 Management Activity API
//     schema: https://learn.microsoft.com/office/office-365-management-api/office-365-management-activity-api-schema),
//     as the API returns them (JSON arrays), as JSON Lines, pretty-printed,
//     in Purview audit search CSV exports (both header variants:
//     "CreationDate,UserIds,Operations,AuditData" and the newer
//     "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,
//     AssociatedAdminUnits,AssociatedAdminUnitsNames", and
//     Search-UnifiedAuditLog | Export-Csv), and as SIEMs copy them (Panther
//     lower-cases every key; lookups ignore case).
//   - Exchange Get-InboxRule and Get-Mailbox exports (Export-Csv with its
//     "#TYPE" line, or ConvertTo-Json).
//   - MSExchange Management event log records (cmdlet logging, event 1),
//     as JSON from an event forwarder.
//   - Entra ID sign-in logs: the Graph signIn resource
//     (https://learn.microsoft.com/graph/api/resources/signin) and the
//     Azure Monitor diagnostic-settings envelope (category SignInLogs,
//     Graph fields under "properties").
//
// The containers (JSON, JSON Lines, arrays, Graph "value" envelopes, CSV)
// are read by package jsonlog; this package classifies each record
// ([Kind]), parses its time, and adds derived views beside the source
// fields — never instead of them, so SigmaHQ's rules see the record as
// Microsoft wrote it:
//
//   - X_flat for every name/value list X (Parameters, OperationProperties,
//     ExtendedProperties, DeviceProperties, ModifiedProperties with
//     NewValue, authenticationProcessingDetails with key/value): a map
//     Name → Value; a name given twice keeps both values as a list.
//   - ClientIP_addr and ClientIP_port: the client address from ClientIP,
//     ClientIPAddress, ActorIpAddress or a sign-in's ipAddress, split from
//     its port ("1.2.3.4:52816", "[2001:db8::1]:443", a bare IPv6 address).
//   - Forward_addrs: per forwarding parameter (ForwardTo, RedirectTo,
//     ForwardAsAttachmentTo, ForwardingSmtpAddress, ForwardingAddress,
//     BlindCopyTo, RedirectMessageTo, ...) the SMTP addresses it names,
//     parsed from `"Name" [SMTP:addr]`, `smtp:addr`, `Name <addr>` lists.
//   - Cmdlet, Parameters and Parameters_flat for cmdlet log records,
//     parsed from the message text.
//   - PurviewCSV: the CSV columns of a Purview export row other than
//     AuditData, whose object becomes the record itself.
//
// Typed accessors give what detections need without knowing the shape:
// [Record.Operation], [Record.UserID], [Record.ClientIP],
// [Record.ResultStatus], [Record.ID], [Record.MailAccess]
// (MailItemsAccessed: Sync/Bind, throttling, folders and
// InternetMessageIds) and [Record.InboxRule] (UpdateInboxRules in its
// OperationProperties shape and its Parameters shape, New-/Set-InboxRule,
// export rows).
//
// # Divergences and known gaps
//
//   - CreationTime has no zone; it is UTC (the API says so). A time that
//     does not parse (Splunk's sample has "17:08:65") leaves Time zero and
//     adds a Defect; the record is still returned.
//   - UpdateInboxRules' RuleActions JSON is not documented by Microsoft;
//     it is walked generically (ActionType plus the addresses and folder
//     names below it).
//   - Export-Csv of a multi-valued property writes the .NET type name
//     ("System.Collections.ArrayList"); such a cell yields no address.
//     Export with -join or ConvertTo-Json to keep the values.
package m365
