//! W3C trace context (`traceparent`) carried from a request to the events it causes and
//! from an event to the events its consumers cause, so one player action stays one
//! trace across services.
//!
//! With trace export on ([`crate::telemetry::traces_enabled`]) the work runs in spans
//! made here ([`server_span`], [`client_span`], [`producer_span`], [`consumer_span`]),
//! and [`current`] is the context of the innermost one: what peers receive in their
//! `traceparent` header and what [`crate::events::EventEnvelope::new`] records. With
//! export off, the same header travels unchanged through [`scope`], so logs and
//! downstream systems still correlate by trace id.

use std::collections::HashMap;
use std::future::Future;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::events::EventEnvelope;

/// Target of our spans; the OpenTelemetry layer keeps these and Hive Router's.
pub const SPAN_TARGET: &str = "chaos_trace";

const TRACEPARENT_HEADER: &str = "traceparent";

tokio::task_local! {
    static TRACEPARENT: Option<String>;
}

/// The trace context of the request or event being handled, if any: the current span's
/// when traces are exported, else the one received.
pub fn current() -> Option<String> {
    span_traceparent(&tracing::Span::current())
        .or_else(|| TRACEPARENT.try_with(Clone::clone).ok().flatten())
}

/// `span`'s context as a `traceparent` value; `None` when it has none (export off, or a
/// disabled span).
fn span_traceparent(span: &tracing::Span) -> Option<String> {
    if !crate::telemetry::traces_enabled() {
        return None;
    }
    let mut context = span.context();
    if !context.span().span_context().is_valid() {
        // A span of ours not being current (a library's span inside ours): the context
        // the OpenTelemetry layer activated when ours was entered.
        context = opentelemetry::Context::current();
        if !context.span().span_context().is_valid() {
            return None;
        }
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove(TRACEPARENT_HEADER)
}

/// Runs `work` with `traceparent` as the received trace context.
pub async fn scope<F: Future>(traceparent: Option<String>, work: F) -> F::Output {
    TRACEPARENT.scope(traceparent, work).await
}

/// The remote context a well-formed `traceparent` names (an empty context otherwise).
fn remote(traceparent: Option<&str>) -> opentelemetry::Context {
    let carrier: HashMap<String, String> = traceparent
        .and_then(parse)
        .map(|value| HashMap::from([(TRACEPARENT_HEADER.to_string(), value)]))
        .unwrap_or_default();
    TraceContextPropagator::new().extract(&carrier)
}

/// Makes `span` a child of the remote `traceparent` (a new trace when there is none).
fn continue_remote(span: tracing::Span, traceparent: Option<&str>) -> tracing::Span {
    if crate::telemetry::traces_enabled() {
        // Only fails for a span already entered; these are new.
        let _ = span.set_parent(remote(traceparent));
    }
    span
}

/// The span of a GraphQL request a service handles, continuing the caller's trace.
pub fn server_span(service: &'static str, traceparent: Option<&str>) -> tracing::Span {
    let span = tracing::info_span!(
        target: SPAN_TARGET,
        "graphql.server",
        "otel.name" = %format_args!("{service} POST /graphql"),
        "otel.kind" = "server",
        "chaos.service" = service,
        "graphql.operation.name" = tracing::field::Empty,
        "otel.status_code" = tracing::field::Empty,
    );
    continue_remote(span, traceparent)
}

/// The span of a call to a peer service (its server span becomes a child).
pub fn client_span(peer: &'static str) -> tracing::Span {
    tracing::info_span!(
        target: SPAN_TARGET,
        "peer.call",
        "otel.name" = %format_args!("call {peer}"),
        "otel.kind" = "client",
        "peer.service" = peer,
        "otel.status_code" = tracing::field::Empty,
    )
}

/// The span of relaying `event` to the bus, a child of the action that wrote it.
pub fn producer_span(topic: &str, event: &EventEnvelope) -> tracing::Span {
    let span = tracing::info_span!(
        target: SPAN_TARGET,
        "event.publish",
        "otel.name" = %format_args!("publish {topic}"),
        "otel.kind" = "producer",
        "messaging.destination.name" = topic,
        "messaging.message.id" = %event.id,
        "event.type" = event.event_type.as_str(),
    );
    continue_remote(span, event.traceparent.as_deref())
}

/// The span of consumer `group` handling `event` from `topic`, a child of its publish.
pub fn consumer_span(group: &str, topic: &str, event: &EventEnvelope) -> tracing::Span {
    let span = tracing::info_span!(
        target: SPAN_TARGET,
        "event.consume",
        "otel.name" = %format_args!("process {topic}"),
        "otel.kind" = "consumer",
        "chaos.service" = group,
        "messaging.destination.name" = topic,
        "messaging.consumer.group.name" = group,
        "messaging.message.id" = %event.id,
        "event.type" = event.event_type.as_str(),
        "otel.status_code" = tracing::field::Empty,
    );
    continue_remote(span, event.traceparent.as_deref())
}

/// Marks the current span failed (`otel.status_code = ERROR`).
pub fn record_error() {
    tracing::Span::current().record("otel.status_code", "ERROR");
}

/// A `traceparent` header value if well formed (`00-<32 hex>-<16 hex>-<2 hex>`, ids not
/// all zero); anything else is ignored rather than propagated.
pub fn parse(header: &str) -> Option<String> {
    let parts: Vec<&str> = header.trim().split('-').collect();
    let [version, trace_id, parent_id, flags] = parts[..] else {
        return None;
    };
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let zero = |s: &str| s.bytes().all(|b| b == b'0');
    (version == "00"
        && hex(trace_id, 32)
        && hex(parent_id, 16)
        && hex(flags, 2)
        && !zero(trace_id)
        && !zero(parent_id))
    .then(|| header.trim().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn only_well_formed_headers_are_kept() {
        assert_eq!(parse(VALID).as_deref(), Some(VALID));
        assert!(parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
        assert!(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_none());
        assert!(parse("00-xyz-00f067aa0ba902b7-01").is_none());
        assert!(parse("garbage").is_none());
    }

    #[tokio::test]
    async fn events_created_in_scope_carry_the_context() {
        assert_eq!(current(), None);
        let event = scope(Some(VALID.to_string()), async {
            crate::events::EventEnvelope::new("test.traced", "a", serde_json::json!({}))
        })
        .await;
        assert_eq!(event.traceparent.as_deref(), Some(VALID));
    }
}
