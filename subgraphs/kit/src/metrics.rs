//! Prometheus metrics of a service process, served at `GET /metrics` by every subgraph.
//!
//! Request metrics are recorded by the HTTP layer ([`crate::server`]) for every service;
//! game metrics are counted where the thing happens (a login in users, a cast in chaos…).
//! All live in one process-wide registry, labelled with the `service` they come from, so
//! the all-in-one binary and a single-service deployment expose the same names.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `chaos_graphql_requests_total` | counter | service, outcome (`ok`/`error`) |
//! | `chaos_graphql_request_duration_seconds` | histogram | service |
//! | `chaos_graphql_errors_total` | counter | service, code |
//! | `chaos_active_subscriptions` | gauge | service |
//! | `chaos_logins_total` | counter | outcome (`ok`/`refused`) |
//! | `chaos_chat_messages_total` | counter | — |
//! | `chaos_skill_casts_total` | counter | outcome (`landed`/`rejected`/`compensated`) |
//! | `chaos_purchases_total` | counter | kind (`wallet`/`receipt`) |

use std::sync::LazyLock;

use prometheus::{
    register_histogram_vec, register_int_counter, register_int_counter_vec, register_int_gauge_vec,
    Encoder, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, TextEncoder,
};

/// Requests served over HTTP, by service and outcome (`error` when any error came back).
pub static GRAPHQL_REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "chaos_graphql_requests_total",
        "GraphQL requests served",
        &["service", "outcome"]
    )
    .expect("metric registers once")
});

/// Time to answer a GraphQL request over HTTP.
pub static GRAPHQL_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "chaos_graphql_request_duration_seconds",
        "Time to answer a GraphQL request",
        &["service"],
        vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]
    )
    .expect("metric registers once")
});

/// Errors returned to callers, by their stable `code`.
pub static GRAPHQL_ERRORS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "chaos_graphql_errors_total",
        "GraphQL errors returned, by code",
        &["service", "code"]
    )
    .expect("metric registers once")
});

/// Open `graphql-transport-ws` connections (the router holds one per client subscription).
pub static ACTIVE_SUBSCRIPTIONS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "chaos_active_subscriptions",
        "Open WebSocket subscription connections",
        &["service"]
    )
    .expect("metric registers once")
});

/// Login attempts, by outcome.
pub static LOGINS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("chaos_logins_total", "Login attempts", &["outcome"])
        .expect("metric registers once")
});

/// Chat messages accepted.
pub static CHAT_MESSAGES: LazyLock<IntCounter> = LazyLock::new(|| {
    register_int_counter!("chaos_chat_messages_total", "Chat messages sent")
        .expect("metric registers once")
});

/// Skill casts, by outcome.
pub static SKILL_CASTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("chaos_skill_casts_total", "Skill casts", &["outcome"])
        .expect("metric registers once")
});

/// Purchases completed, by kind.
pub static PURCHASES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("chaos_purchases_total", "Purchases completed", &["kind"])
        .expect("metric registers once")
});

/// Every metric of this module with its known label values at zero, so a scrape lists
/// them from the first request on (Prometheus omits a family with no series).
fn touch_all() {
    LazyLock::force(&GRAPHQL_REQUESTS);
    LazyLock::force(&GRAPHQL_DURATION);
    LazyLock::force(&GRAPHQL_ERRORS);
    LazyLock::force(&ACTIVE_SUBSCRIPTIONS);
    for outcome in ["ok", "refused"] {
        LOGINS.with_label_values(&[outcome]);
    }
    LazyLock::force(&CHAT_MESSAGES);
    for outcome in ["landed", "rejected", "compensated"] {
        SKILL_CASTS.with_label_values(&[outcome]);
    }
    for kind in ["wallet", "receipt"] {
        PURCHASES.with_label_values(&[kind]);
    }
}

/// Records one answered HTTP request of `service`: its duration and its error codes.
pub fn record_request(service: &str, elapsed: std::time::Duration, error_codes: &[String]) {
    GRAPHQL_DURATION
        .with_label_values(&[service])
        .observe(elapsed.as_secs_f64());
    let outcome = if error_codes.is_empty() {
        "ok"
    } else {
        "error"
    };
    GRAPHQL_REQUESTS
        .with_label_values(&[service, outcome])
        .inc();
    for code in error_codes {
        GRAPHQL_ERRORS.with_label_values(&[service, code]).inc();
    }
}

/// The process's metrics in Prometheus text format.
pub fn render() -> String {
    touch_all();
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&prometheus::gather(), &mut buffer)
        .expect("the text encoder writes to memory");
    String::from_utf8(buffer).expect("Prometheus text is UTF-8")
}

/// Decrements the service's subscription gauge when a connection ends, however it ends.
pub struct SubscriptionGuard {
    service: &'static str,
}

impl SubscriptionGuard {
    /// Counts one open connection of `service`.
    pub fn open(service: &'static str) -> Self {
        ACTIVE_SUBSCRIPTIONS.with_label_values(&[service]).inc();
        Self { service }
    }
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        ACTIVE_SUBSCRIPTIONS
            .with_label_values(&[self.service])
            .dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rendering_names_every_metric_and_counts() {
        record_request(
            "test",
            std::time::Duration::from_millis(3),
            &["NOT_FOUND".to_string()],
        );
        {
            let _open = SubscriptionGuard::open("test-guard");
            assert!(render().contains("chaos_active_subscriptions{service=\"test-guard\"} 1"));
        }
        let text = render();
        assert!(text.contains("chaos_active_subscriptions{service=\"test-guard\"} 0"));
        assert!(text.contains("chaos_graphql_errors_total{code=\"NOT_FOUND\",service=\"test\"} 1"));
        assert!(text.contains("chaos_graphql_requests_total{outcome=\"error\",service=\"test\"} 1"));
        assert!(text.contains("chaos_graphql_request_duration_seconds_count{service=\"test\"} 1"));
        for name in [
            "chaos_logins_total",
            "chaos_chat_messages_total",
            "chaos_skill_casts_total",
            "chaos_purchases_total",
        ] {
            assert!(text.contains(&format!("# TYPE {name}")), "{name} missing");
        }
    }
}
