// Package sink writes alerts to where people and systems read them: JSONL
// files or stdout, webhooks (generic JSON, Slack, Microsoft Teams), syslog
// (RFC 5424 over UDP, TCP and TLS, JSON or ArcSight CEF bodies), and, in
// subpackages, Splunk HEC (sink/splunk) and Elasticsearch bulk with ECS
// fields (sink/elastic).
//
// A [Sink] delivers a batch of alerts and says, per alert, whether the
// receiver acknowledged it and, if not, whether trying again can help
// ([Permanent], [Temporary], [BatchError]).
//
// A [Deliverer] runs one sink from the store's outbox: it claims the alerts
// due for that sink, delivers them, and marks each sent or failed, with
// exponential backoff and jitter between attempts, honouring a receiver's
// Retry-After. It wakes at once when told about a new alert
// ([Deliverer.Notify]). The guarantees, per sink:
//
//   - an alert the receiver acknowledged is never sent to it again (the
//     outbox row is marked sent, and enqueueing again leaves it alone);
//   - a receiver that is down gets everything when it returns (retryable
//     failures are retried without limit unless a policy sets one);
//   - after a crash between sending and recording the acknowledgement, the
//     alert is sent once more when its claim's lease ends, carrying the
//     alert id as idempotency key (Idempotency-Key header, Elasticsearch
//     _id) so the receiver can drop the duplicate.
//
// Configuration comes in as plain structs ([WebhookConfig], [SyslogConfig],
// [JSONLConfig], [DeliveryPolicy], splunk.Config, elastic.Config); secrets
// (HMAC keys, tokens) are values in them, never read from the environment
// here. docs/sinks.md documents formats, headers and retry policy.
package sink
