//! The router's GraphiQL page in a real browser: Debian's Chromium driven by
//! playwright-core (`tests/browser/graphiql.test.mjs`). The page must render with every
//! request off 127.0.0.1 blocked, run a query with the token typed into its token field,
//! and show a subscription's event over `graphql-transport-ws`.
//!
//! Skipped when `/usr/bin/chromium` is missing, except on CI (`CI=true`), where
//! `scripts/test.sh` installs it and a missing browser is a failure.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const GRANT: &str = "mutation($a: ID!, $k: String!) { grantExperience(actorId: $a, amount: 50, idempotencyKey: $k) { experienceAfter } }";
/// Longer than the script's own 120 s watchdog, so its diagnostics come first.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(150);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_queries_and_subscriptions_in_a_browser_without_leaving_the_host() {
    if !Path::new(CHROMIUM).exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{CHROMIUM} is missing on CI: scripts/test.sh installs it (apt-get install chromium)"
        );
        eprintln!("skipped: {CHROMIUM} is not installed (scripts/test.sh installs it)");
        return;
    }
    let browser_tests = subgraph_kit::testing::manifest_dir().join("tests/browser");
    assert!(
        browser_tests.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci` in tests/browser/ (scripts/test.sh does)"
    );

    let app = spawn_app().await;
    let admin = app.admin().await;
    let hero = app.new_character("Gq", "MAGE").await;

    let mut browser = Command::new("node")
        .arg("graphiql.test.mjs")
        .current_dir(&browser_tests)
        .env(
            "CHAOS_BROWSER_PORT",
            app.supergraph.router_addr().port().to_string(),
        )
        .env("CHAOS_BROWSER_TOKEN", &hero.player.access_token)
        .env("CHAOS_BROWSER_ACTOR_ID", &hero.actor_id)
        .env("CHAOS_BROWSER_ACTOR_NAME", &hero.name)
        .env("CHROMIUM_PATH", CHROMIUM)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut stdout = BufReader::new(browser.stdout.take().expect("stdout is piped")).lines();

    // The page has sent its subscribe message once the script says so.
    let subscribed = tokio::time::timeout(BROWSER_TIMEOUT, async {
        while let Some(line) = stdout.next_line().await.expect("reads the script's stdout") {
            if line == "SUBSCRIBED" {
                return true;
            }
            eprintln!("browser: {line}");
        }
        false
    })
    .await
    .expect("the browser test subscribes in time");
    if !subscribed {
        let status = browser.wait().await.expect("the script ends");
        panic!("the browser test ended before subscribing ({status}); its log is above");
    }

    // The router subscribes upstream shortly after the page does; grant until the page
    // has shown an event and the script has ended.
    let deadline = tokio::time::Instant::now() + BROWSER_TIMEOUT;
    let mut grants = 0;
    let status = loop {
        grants += 1;
        app.client
            .as_user(
                &admin.access_token,
                GRANT,
                json!({ "a": hero.actor_id, "k": format!("graphiql-{grants}") }),
            )
            .await
            .data();
        if let Ok(status) = tokio::time::timeout(Duration::from_secs(2), browser.wait()).await {
            break status.expect("the script ends");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the page showed no subscription event after {grants} grants"
        );
    };
    assert!(
        status.success(),
        "the browser test failed ({status}); its log is above"
    );
    app.supergraph.stop().await.expect("stops cleanly");
}
