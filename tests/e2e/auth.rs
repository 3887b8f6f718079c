//! Accounts, login, tokens and sessions, through the router.

use serde_json::json;
use subgraph_kit::auth::AccessClaims;
use uuid::Uuid;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_login_and_one_query_across_users_and_chaos() {
    let app = spawn_app().await;
    let name = unique("hero");
    let registered = app.register(&name, "correct horse battery").await;
    assert_eq!(registered["username"], name.as_str());
    let player = app.login(&name, "correct horse battery").await;
    app.create_actor(&player, "Aria", "MAGE").await;

    let query = "{ me { username email actors { name class level stats { base { intelligence } derived { maxHp maxMp spellPower } } \
                 resources { hp { current max } mp { current max } } skills { skill { id mpCost } } equipment { slot itemInstanceId } owner { username } } } }";
    let response = app
        .client
        .as_user(&player.access_token, query, json!({}))
        .await;
    let me = &response.data()["me"];
    assert_eq!(me["username"], name.as_str());
    assert_eq!(me["email"], format!("{name}@chaos.test"));
    let actor = &me["actors"][0];
    assert_eq!(actor["name"], "Aria");
    assert_eq!(actor["class"], "MAGE");
    assert_eq!(actor["level"], 1);
    assert_eq!(actor["stats"]["base"]["intelligence"], 15);
    let hp = &actor["resources"]["hp"];
    assert_eq!(hp["current"], hp["max"]);
    assert_eq!(hp["max"], actor["stats"]["derived"]["maxHp"]);
    assert_eq!(
        actor["resources"]["mp"]["current"],
        actor["stats"]["derived"]["maxMp"]
    );
    let skills: Vec<&str> = actor["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .map(|s| s["skill"]["id"].as_str().expect("id"))
        .collect();
    assert_eq!(skills, ["fireball", "frost_bolt"]);
    assert_eq!(actor["equipment"].as_array().expect("slots").len(), 9);
    assert_eq!(actor["owner"]["username"], name.as_str());
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_without_a_valid_token_is_unauthenticated() {
    let app = spawn_app().await;
    let player = app.new_player().await;

    app.client
        .anonymous(ME_ACTORS, json!({}))
        .await
        .assert_error_code("UNAUTHENTICATED");

    let now = chrono::Utc::now().timestamp();
    let expired = app.mint(&AccessClaims {
        sub: player.user_id.parse().expect("uuid"),
        username: "whoever".into(),
        scope: "player".into(),
        sid: Uuid::new_v4(),
        iss: "chaos-users".into(),
        aud: "chaos".into(),
        iat: now - 7200,
        exp: now - 3600,
        jti: Uuid::new_v4(),
    });
    app.client
        .as_user(&expired, ME_ACTORS, json!({}))
        .await
        .assert_error_code("UNAUTHENTICATED");

    // Flip one character of the payload: the signature no longer matches.
    let mut parts: Vec<String> = player.access_token.split('.').map(str::to_string).collect();
    let payload = parts[1].clone();
    let flipped = if payload.ends_with('A') { 'B' } else { 'A' };
    parts[1] = format!("{}{}", &payload[..payload.len() - 1], flipped);
    let tampered = parts.join(".");
    app.client
        .as_user(&tampered, ME_ACTORS, json!({}))
        .await
        .assert_error_code("UNAUTHENTICATED");

    app.client
        .as_user("not-a-jwt", ME_ACTORS, json!({}))
        .await
        .assert_error_code("UNAUTHENTICATED");

    // The genuine token still works.
    let response = app
        .client
        .as_user(&player.access_token, ME_ACTORS, json!({}))
        .await;
    assert_eq!(response.data()["me"]["id"], player.user_id.as_str());
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_fail_and_then_lock_the_account() {
    let app = spawn_app().await;
    let name = unique("lock");
    app.register(&name, "the-right-one").await;
    for _ in 0..MAX_ACCOUNT_FAILURES {
        app.client
            .anonymous(LOGIN, json!({ "u": name, "p": "the-wrong-one" }))
            .await
            .assert_error_code("INVALID_CREDENTIALS");
    }
    // Locked: even the right password is refused now.
    app.client
        .anonymous(LOGIN, json!({ "u": name, "p": "the-right-one" }))
        .await
        .assert_error_code("ACCOUNT_LOCKED");
    // Unknown accounts fail the same way as wrong passwords.
    app.client
        .anonymous(
            LOGIN,
            json!({ "u": unique("ghost"), "p": "whatever-it-is" }),
        )
        .await
        .assert_error_code("INVALID_CREDENTIALS");
    app.supergraph.stop().await.expect("stops cleanly");
}

/// Behind a load balancer the router trusts (the test client plays it: it appends the
/// address it saw to `X-Forwarded-For`), each player's address is locked alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_from_one_address_lock_that_address() {
    let app = spawn_app_with(|config| config.trusted_proxies = Some("127.0.0.1".into())).await;
    let name = unique("ip");
    app.register(&name, "the-right-one").await;
    let from = |ip: &'static str| [("x-forwarded-for", ip)];
    for _ in 0..MAX_IP_FAILURES {
        let response = app
            .client
            .request_with_headers(
                LOGIN,
                json!({ "u": unique("ghost"), "p": "guess-guess" }),
                None,
                &from("198.51.100.7"),
            )
            .await;
        response.assert_error_code("INVALID_CREDENTIALS");
    }
    app.client
        .request_with_headers(
            LOGIN,
            json!({ "u": name, "p": "the-right-one" }),
            None,
            &from("198.51.100.7"),
        )
        .await
        .assert_error_code("TOO_MANY_LOGIN_ATTEMPTS");
    // Another address is unaffected.
    let response = app
        .client
        .request_with_headers(
            LOGIN,
            json!({ "u": name, "p": "the-right-one" }),
            None,
            &from("198.51.100.8"),
        )
        .await;
    assert!(response.data()["login"]["accessToken"].is_string());
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let player = app.new_player().await;
    let first = player.refresh_token.clone();

    let rotated = app.client.anonymous(REFRESH, json!({ "r": first })).await;
    let second = rotated.data()["refresh"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_string();
    let access = rotated.data()["refresh"]["accessToken"]
        .as_str()
        .expect("token")
        .to_string();
    assert_ne!(first, second);
    assert!(app
        .client
        .as_user(&access, ME_ACTORS, json!({}))
        .await
        .errors()
        .is_empty());

    let third_response = app.client.anonymous(REFRESH, json!({ "r": second })).await;
    let third = third_response.data()["refresh"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_string();

    // Replaying a rotated token is theft: the whole family dies.
    app.client
        .anonymous(REFRESH, json!({ "r": first }))
        .await
        .assert_error_code("REFRESH_TOKEN_REUSED");
    app.client
        .anonymous(REFRESH, json!({ "r": third }))
        .await
        .assert_error_code("INVALID_REFRESH_TOKEN");
    app.client
        .anonymous(REFRESH, json!({ "r": "garbage" }))
        .await
        .assert_error_code("INVALID_REFRESH_TOKEN");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_and_logout_all_end_sessions() {
    let app = spawn_app().await;
    let name = unique("out");
    app.register(&name, "a-good-password").await;
    let phone = app.login(&name, "a-good-password").await;
    let laptop = app.login(&name, "a-good-password").await;
    let tablet = app.login(&name, "a-good-password").await;

    let logout = "mutation($r: String!) { logout(refreshToken: $r) }";
    assert_eq!(
        app.client
            .anonymous(logout, json!({ "r": phone.refresh_token }))
            .await
            .data()["logout"],
        true
    );
    assert_eq!(
        app.client
            .anonymous(logout, json!({ "r": phone.refresh_token }))
            .await
            .data()["logout"],
        false
    );
    app.client
        .anonymous(REFRESH, json!({ "r": phone.refresh_token }))
        .await
        .assert_error_code("INVALID_REFRESH_TOKEN");

    app.client
        .anonymous("mutation { logoutAll }", json!({}))
        .await
        .assert_error_code("UNAUTHENTICATED");
    let ended = app
        .client
        .as_user(&laptop.access_token, "mutation { logoutAll }", json!({}))
        .await;
    assert_eq!(ended.data()["logoutAll"], 2);
    for session in [&laptop, &tablet] {
        app.client
            .anonymous(REFRESH, json!({ "r": session.refresh_token }))
            .await
            .assert_error_code("INVALID_REFRESH_TOKEN");
    }
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_rejects_bad_input_and_duplicates_without_writing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let count_users = || async {
        let response = app
            .client
            .as_user(
                &admin.access_token,
                "{ users(first: 100) { edges { node { username } } } }",
                json!({}),
            )
            .await;
        response.data()["users"]["edges"]
            .as_array()
            .expect("edges")
            .len()
    };
    let before = count_users().await;

    let bad = [
        json!({ "u": "x", "e": "x@chaos.test", "p": "long-enough" }),
        json!({ "u": unique("ok"), "e": "no-at-sign", "p": "long-enough" }),
        json!({ "u": unique("ok"), "e": "ok@chaos.test", "p": "short" }),
    ];
    for variables in bad {
        app.client
            .anonymous(REGISTER, variables)
            .await
            .assert_error_code("BAD_USER_INPUT");
    }
    let name = unique("dup");
    app.register(&name, "long-enough").await;
    let again = app
        .client
        .anonymous(
            REGISTER,
            json!({ "u": name.to_uppercase(), "e": "other@chaos.test", "p": "long-enough" }),
        )
        .await;
    again.assert_error_code("USERNAME_TAKEN");
    let same_email = app
        .client
        .anonymous(
            REGISTER,
            json!({ "u": unique("other"), "e": format!("{name}@chaos.test"), "p": "long-enough" }),
        )
        .await;
    same_email.assert_error_code("EMAIL_TAKEN");

    assert_eq!(count_users().await, before + 1);

    // Players cannot list accounts.
    let player = app.new_player().await;
    app.client
        .as_user(
            &player.access_token,
            "{ users { edges { node { id } } } }",
            json!({}),
        )
        .await
        .assert_error_code("FORBIDDEN");
    app.supergraph.stop().await.expect("stops cleanly");
}

/// The attack: a client writes its own `X-Forwarded-For`. Reaching the router directly
/// (no trusted proxy), claiming a fresh address per try does not escape the lockout of
/// its real address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claimed_addresses_do_not_escape_the_lockout() {
    let app = spawn_app().await;
    let name = unique("claims");
    app.register(&name, "the-right-one").await;
    for i in 0..MAX_IP_FAILURES {
        let claimed = format!("198.51.100.{}", i + 1);
        app.client
            .request_with_headers(
                LOGIN,
                json!({ "u": unique("ghost"), "p": "guess-guess" }),
                None,
                &[("x-forwarded-for", claimed.as_str())],
            )
            .await
            .assert_error_code("INVALID_CREDENTIALS");
    }
    app.client
        .request_with_headers(
            LOGIN,
            json!({ "u": name, "p": "the-right-one" }),
            None,
            &[("x-forwarded-for", "198.51.100.250")],
        )
        .await
        .assert_error_code("TOO_MANY_LOGIN_ATTEMPTS");
    app.supergraph.stop().await.expect("stops cleanly");
}

/// The attack behind a trusted load balancer: the attacker writes the victim's address
/// into `X-Forwarded-For` and the balancer appends the attacker's real one. Only the
/// attacker's address is locked; the victim still signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claiming_a_victims_address_locks_only_the_attacker() {
    let app = spawn_app_with(|config| config.trusted_proxies = Some("127.0.0.1".into())).await;
    let victim = unique("victim");
    app.register(&victim, "the-right-one").await;
    let spoofed = [("x-forwarded-for", "198.51.100.7, 203.0.113.66")];
    for _ in 0..MAX_IP_FAILURES {
        app.client
            .request_with_headers(
                LOGIN,
                json!({ "u": unique("ghost"), "p": "guess-guess" }),
                None,
                &spoofed,
            )
            .await
            .assert_error_code("INVALID_CREDENTIALS");
    }
    app.client
        .request_with_headers(
            LOGIN,
            json!({ "u": victim, "p": "the-right-one" }),
            None,
            &spoofed,
        )
        .await
        .assert_error_code("TOO_MANY_LOGIN_ATTEMPTS");
    let response = app
        .client
        .request_with_headers(
            LOGIN,
            json!({ "u": victim, "p": "the-right-one" }),
            None,
            &[("x-forwarded-for", "198.51.100.7")],
        )
        .await;
    assert!(
        response.data()["login"]["accessToken"].is_string(),
        "the victim's own address is not locked"
    );
    app.supergraph.stop().await.expect("stops cleanly");
}
