//! One player action is one trace: a Fireball cast through the router, captured by an
//! in-process span exporter (the same OpenTelemetry layer `--otlp-endpoint` installs,
//! exporting to memory), spans the router, chaos, world, inventory and the analytics
//! consumer, each span a child of the one that caused it.
//!
//! The exporter is installed as the process's telemetry, which only the first test of a
//! process can do (every other test installs plain logging): nextest runs each test in
//! a process of its own; the test command's `cargo test` fallback runs this module in a
//! process of its own (`scripts/test.sh`).

use serde_json::json;
use subgraph_kit::testing::{span_attribute, SpanCapture, SpanData, SpanId, SpanKind, TraceId};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fireball_cast_is_one_trace_from_the_router_to_the_analytics_consumer() {
    let (spans, provider) = SpanCapture::install();
    let app = spawn_app().await;
    let admin = app.admin().await;
    // With a reagent, the cast calls inventory as well as world.
    app.require_reagent(&admin, "fireball", "fire_crystal")
        .await;
    let mage = app.new_character("Tracer", "MAGE").await;
    let warrior = app.new_character("Traced", "WARRIOR").await;
    let zone = unique("traces_");
    app.publish_zone(&admin, &zone, &["CLEAR"], false).await;
    app.place(&admin, &mage.actor_id, &zone, 100.0, 100.0).await;
    app.place(&admin, &warrior.actor_id, &zone, 110.0, 100.0)
        .await;
    grant(&app, &admin, &mage, "fire_crystal", 1).await;

    // The client starts the trace.
    let trace_hex = uuid::Uuid::new_v4().simple().to_string();
    let client_span_hex = &uuid::Uuid::new_v4().simple().to_string()[..16];
    let traceparent = format!("00-{trace_hex}-{client_span_hex}-01");
    let cast = app
        .client
        .request_with_headers(
            CAST,
            json!({ "a": mage.actor_id, "s": "fireball", "t": { "actorId": warrior.actor_id }, "k": "traced" }),
            Some(&mage.player.access_token),
            &[("traceparent", &traceparent)],
        )
        .await;
    assert!(cast.errors().is_empty(), "{:?}", cast.errors());

    let trace_id = TraceId::from_hex(&trace_hex).expect("32 hex digits");
    let in_trace = || -> Vec<SpanData> {
        spans
            .finished()
            .into_iter()
            .filter(|span| span.span_context.trace_id() == trace_id)
            .collect()
    };
    // The analytics consumer's span ends once it has stored the event.
    let describe = |spans: &[SpanData]| -> Vec<String> {
        spans
            .iter()
            .map(|span| {
                format!(
                    "{} [{}{}{}]",
                    span.name,
                    attribute(span, "chaos.service"),
                    attribute(span, "messaging.consumer.group.name"),
                    attribute(span, "event.type")
                )
            })
            .collect()
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let analytics = loop {
        let found = in_trace().into_iter().find(|span| {
            span.span_kind == SpanKind::Consumer
                && attribute(span, "messaging.consumer.group.name") == "analytics"
                && attribute(span, "event.type") == "chaos.skill_cast"
        });
        if let Some(found) = found {
            break found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the analytics consumer's span of the cast never ended; the trace has {:?}; {} spans in all",
            describe(&in_trace()),
            spans.finished().len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let trace = in_trace();
    let names = describe(&trace);
    let parent_of = |child: &SpanData| -> &SpanData {
        trace
            .iter()
            .find(|span| span.span_context.span_id() == child.parent_span_id)
            .unwrap_or_else(|| panic!("the parent of {} is in the trace: {names:?}", child.name))
    };

    // The router continues the client's trace and calls chaos from its `http.client` span.
    let router = trace
        .iter()
        .find(|span| span.name == "http.server")
        .unwrap_or_else(|| panic!("the router's request span is in the trace: {names:?}"));
    assert_eq!(
        router.parent_span_id,
        SpanId::from_hex(client_span_hex).expect("16 hex digits")
    );
    assert!(router.parent_span_is_remote);
    assert_eq!(router.span_kind, SpanKind::Server);
    let server_of = |service: &str| -> &SpanData {
        trace
            .iter()
            .find(|span| {
                span.span_kind == SpanKind::Server && attribute(span, "chaos.service") == service
            })
            .unwrap_or_else(|| panic!("{service}'s request span is in the trace: {names:?}"))
    };
    let chaos = server_of("chaos");
    let router_call = parent_of(chaos);
    assert_eq!(
        router_call.name, "http.client",
        "chaos is called by the router"
    );
    assert!(chaos.parent_span_is_remote);
    assert_eq!(chaos.span_kind, SpanKind::Server);

    // chaos calls world (the environment) and inventory (the reagent) from peer spans.
    for service in ["world", "inventory"] {
        let server = server_of(service);
        let call = parent_of(server);
        assert_eq!(
            call.span_kind,
            SpanKind::Client,
            "{service} is called by a peer"
        );
        assert!(
            attribute(call, "peer.service").contains(service),
            "{service} is called by chaos's client for it: {}",
            call.name
        );
        assert!(
            std::iter::successors(Some(call), |span| trace
                .iter()
                .find(|parent| parent.span_context.span_id() == span.parent_span_id))
            .any(|ancestor| ancestor.span_context.span_id() == chaos.span_context.span_id()),
            "{service}'s caller runs inside chaos's request"
        );
    }

    // The cast's event is relayed from chaos's outbox, and analytics handles that publish.
    let publish = parent_of(&analytics);
    assert_eq!(publish.span_kind, SpanKind::Producer, "{}", publish.name);
    assert_eq!(publish.name, "publish chaos.combat");
    assert_eq!(attribute(publish, "event.type"), "chaos.skill_cast");
    assert_eq!(
        parent_of(publish).span_context.span_id(),
        chaos.span_context.span_id(),
        "the event continues chaos's request"
    );
    assert_eq!(analytics.span_kind, SpanKind::Consumer);

    app.supergraph.stop().await.expect("stops cleanly");
    provider.shutdown().expect("flushes");
}

fn attribute(span: &SpanData, key: &str) -> String {
    span_attribute(span, key).unwrap_or_default()
}
