//! W3C trace context (`traceparent`) carried from a request to the events it causes and
//! from an event to the events its consumers cause, so one player action stays one
//! trace across services. The HTTP layer and the consumer loop run their work inside
//! [`scope`]; [`crate::events::EventEnvelope::new`] reads [`current`].

use std::future::Future;

tokio::task_local! {
    static TRACEPARENT: Option<String>;
}

/// The trace context of the request or event being handled, if any.
pub fn current() -> Option<String> {
    TRACEPARENT.try_with(Clone::clone).ok().flatten()
}

/// Runs `work` with `traceparent` as the current trace context.
pub async fn scope<F: Future>(traceparent: Option<String>, work: F) -> F::Output {
    TRACEPARENT.scope(traceparent, work).await
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
