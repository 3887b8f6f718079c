//! The GraphiQL page for developers: one self-contained HTML file (GraphiQL, React and
//! graphql-ws, bundled from `router/graphiql/` by `build.rs`) embedded in the binary.
//! It loads nothing from anywhere else, so it works offline and behind strict egress
//! rules. Queries go to the page's own URL, subscriptions over `graphql-transport-ws`
//! to the same path, with the player's token from the page's token field.
//!
//! It is served on a browser's `GET` of the GraphQL path when developer tools are on
//! ([`crate::RouterOverrides::developer_tools`]). Hive's own page (the Laboratory) stays
//! off: built with Hive's `graphiql` feature, it would load GraphiQL from a CDN.

use hive_router::ntex::http::header::{ACCEPT, CONTENT_TYPE, UPGRADE};
use hive_router::ntex::http::{Method, RequestHead};
use hive_router::ntex::web;

/// The page, written by `build.rs` (`router/graphiql/build.mjs`).
pub const PAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/graphiql.html"));

/// Media types GraphQL responses come in over HTTP (single, streamed, incremental).
const GRAPHQL_MEDIA_TYPES: [&str; 4] = [
    "application/json",
    "application/graphql-response+json",
    "text/event-stream",
    "multipart/mixed",
];

/// Registers the page on `graphql_path`. Call it before Hive's routes
/// (`configure_ntex_app`): the router tries resources in registration order and skips
/// one whose guard fails, so every request but a browser's page load (POSTs, GETs that
/// accept GraphQL responses, the WebSocket upgrade) still reaches Hive.
pub fn configure(cfg: &mut web::ServiceConfig, graphql_path: &str) {
    cfg.service(
        web::resource(graphql_path)
            .guard(web::guard::fn_guard(wants_page))
            .to(page),
    );
}

async fn page() -> web::HttpResponse {
    web::HttpResponse::Ok()
        .header(CONTENT_TYPE, "text/html; charset=utf-8")
        .body(PAGE)
}

/// A plain `GET` (not a WebSocket upgrade) whose `Accept` prefers HTML.
fn wants_page(head: &RequestHead) -> bool {
    head.method == Method::GET
        && !head.headers().contains_key(UPGRADE)
        && head
            .headers()
            .get(ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(prefers_html)
}

/// Whether `accept` ranks `text/html` above every GraphQL response type, as a browser
/// loading a page does (`text/html,…,*/*;q=0.8`). A tie goes to GraphQL, as in Hive's
/// negotiation: `*/*` alone, or HTML and JSON listed equally, get a GraphQL response.
fn prefers_html(accept: &str) -> bool {
    let html = quality(accept, "text/html");
    html > 0.0
        && GRAPHQL_MEDIA_TYPES
            .iter()
            .all(|media_type| quality(accept, media_type) < html)
}

/// The q-value `accept` gives the lowercase `media_type`: that of the most specific
/// matching range (`type/subtype`, then `type/*`, then `*/*`; RFC 9110 §12.5.1), 0 when
/// no range matches.
fn quality(accept: &str, media_type: &str) -> f32 {
    let main_type = media_type.split('/').next().unwrap_or_default();
    // (specificity, q) of the best match so far.
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let specificity = if name == media_type {
            2
        } else if name.strip_suffix("/*") == Some(main_type) {
            1
        } else if name == "*/*" {
            0
        } else {
            continue;
        };
        let q = parts
            .filter_map(|param| param.split_once('='))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, value)| value.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(best_specificity, _)| specificity > best_specificity) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_loading_a_page_get_it() {
        // Chromium's and Firefox's navigation headers.
        assert!(prefers_html(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
        ));
        assert!(prefers_html(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(prefers_html("text/html"));
        assert!(prefers_html("TEXT/HTML; Q=1"));
    }

    #[test]
    fn graphql_clients_get_graphql() {
        for accept in [
            "*/*",
            "",
            "application/json",
            "application/graphql-response+json, application/json;q=0.9",
            "application/json, multipart/mixed",
            "text/event-stream",
            "text/*",
            // Ties go to GraphQL.
            "text/html, application/json",
            "application/json;q=0.5, text/html;q=0.5",
            // HTML refused outright.
            "text/html;q=0, */*",
        ] {
            assert!(!prefers_html(accept), "{accept:?}");
        }
        assert!(prefers_html("text/html, application/json;q=0.9"));
    }

    #[test]
    fn the_most_specific_range_sets_the_quality() {
        assert_eq!(
            quality("text/*;q=0.3, text/html;q=0.7, */*;q=0.5", "text/html"),
            0.7
        );
        assert_eq!(quality("text/*;q=0.3, */*;q=0.5", "text/html"), 0.3);
        assert_eq!(quality("*/*;q=0.5", "application/json"), 0.5);
        assert_eq!(quality("image/png", "application/json"), 0.0);
    }

    #[test]
    fn the_embedded_page_is_self_contained() {
        assert!(PAGE.starts_with("<!doctype html>"));
        assert!(PAGE.contains("<title>Chaos GraphiQL</title>"));
        assert!(!PAGE.contains("<script src"), "scripts are inlined");
        assert!(
            !PAGE.contains("<link rel=\"stylesheet\""),
            "styles are inlined"
        );
    }
}
