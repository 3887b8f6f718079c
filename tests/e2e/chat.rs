//! Chat through the router: the "send chat message" seed flow (a guild message reaches
//! every member's `messageAdded` with `sender { name level }` from chaos; an offline
//! direct-message recipient finds it in the inbox), access rules, history cursors,
//! limits and moderation.

use serde_json::{json, Value};

use crate::helpers::*;

const MESSAGE_ADDED: &str =
    "subscription($c: ID!) { messageAdded(channelId: $c) { id text channelId sender { name level } } }";
const MY_CHANNELS: &str = "query($a: ID!) { myChannels(actorId: $a) { id kind } }";

impl TestApp {
    /// Waits until chat has learnt (from guild events) that `who` is in the guild.
    async fn chat_knows_member(&self, who: &Character, channel: &str) {
        eventually("chat to learn the guild membership", || async {
            let response = self
                .client
                .as_user(
                    &who.player.access_token,
                    MY_CHANNELS,
                    json!({ "a": who.actor_id }),
                )
                .await;
            let channels = response.data()["myChannels"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            channels.iter().any(|c| c["id"] == channel).then_some(())
        })
        .await;
    }

    async fn send(
        &self,
        who: &Character,
        channel: &str,
        text: &str,
    ) -> subgraph_kit::testing::GraphqlResponse {
        self.client
            .as_user(
                &who.player.access_token,
                SEND,
                json!({ "c": channel, "a": who.actor_id, "t": text }),
            )
            .await
    }
}

fn text_of(event: &Value) -> &str {
    event["payload"]["data"]["messageAdded"]["text"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guild_message_reaches_every_member_live_with_the_sender_resolved_from_chaos() {
    let app = spawn_app().await;
    let ayla = app.new_character("Ayla", "MAGE").await;
    let bram = app.new_character("Bram", "WARRIOR").await;
    let cara = app.new_character("Cara", "CLERIC").await;
    let outsider = app.new_character("Dax", "RANGER").await;
    let guild_id = app.create_guild(&ayla, "OPEN").await;
    for member in [&bram, &cara] {
        app.client
            .as_user(
                &member.player.access_token,
                JOIN_GUILD,
                json!({ "a": member.actor_id, "g": guild_id }),
            )
            .await
            .data();
    }
    let channel = format!("guild:{guild_id}");
    // The guild's channel id is on the Guild itself (chat extends it).
    let guild = app
        .client
        .as_user(
            &bram.player.access_token,
            "query($g: ID!) { guild(id: $g) { chatChannelId } }",
            json!({ "g": guild_id }),
        )
        .await;
    assert_eq!(guild.data()["guild"]["chatChannelId"], channel.as_str());
    for member in [&ayla, &bram, &cara] {
        app.chat_knows_member(member, &channel).await;
    }

    let mut listeners = Vec::new();
    for member in [&bram, &cara] {
        let mut ws = app.ws(&member.player).await;
        ws.subscribe("chat", MESSAGE_ADDED, json!({ "c": channel }))
            .await;
        listeners.push(ws);
    }
    // Non-members can neither listen nor talk.
    let mut intruder = app.ws(&outsider.player).await;
    intruder
        .subscribe("chat", MESSAGE_ADDED, json!({ "c": channel }))
        .await;
    let refused = intruder.next_message().await.expect("an answer");
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_IN_CHANNEL",
        "{refused}"
    );
    app.send(&outsider, &channel, "let me in")
        .await
        .assert_error_code("NOT_IN_CHANNEL");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let sent = app.send(&ayla, &channel, "Raid at dusk!").await;
    let message_id = sent.data()["sendMessage"]["id"].clone();
    for ws in &mut listeners {
        let event = ws.next_message().await.expect("the message arrives");
        assert_eq!(event["type"], "next", "{event}");
        let message = &event["payload"]["data"]["messageAdded"];
        assert_eq!(message["id"], message_id);
        assert_eq!(message["text"], "Raid at dusk!");
        // `sender` lives in chaos: the router resolved it for this event.
        assert_eq!(message["sender"]["name"], ayla.name.as_str());
        assert_eq!(message["sender"]["level"], 1);
    }

    // A kicked member stops hearing the guild: once chat learns of the kick, the
    // subscription ends; the others keep theirs.
    app.client
        .as_user(
            &ayla.player.access_token,
            "mutation($a: ID!, $m: ID!) { kickGuildMember(actorId: $a, memberActorId: $m) }",
            json!({ "a": ayla.actor_id, "m": cara.actor_id }),
        )
        .await
        .data();
    let end = listeners[1]
        .next_message_within(EVENTUALLY)
        .await
        .expect("the kicked member's subscription ends");
    assert_eq!(end["type"], "complete", "{end}");
    app.send(&ayla, &channel, "Cara is out").await.data();
    let next = listeners[0].next_message().await.expect("Bram still hears");
    assert_eq!(text_of(&next), "Cara is out", "{next}");
    app.send(&cara, &channel, "wait")
        .await
        .assert_error_code("NOT_IN_CHANNEL");
    drop((listeners, intruder));
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_notifies_the_recipient_only_when_not_watching() {
    let app = spawn_app().await;
    let ayla = app.new_character("Ayla", "MAGE").await;
    let bram = app.new_character("Bram", "WARRIOR").await;
    let channel = app
        .client
        .as_user(
            &ayla.player.access_token,
            "query($a: ID!, $b: ID!) { directChannel(actorId: $a, otherActorId: $b) { id kind } }",
            json!({ "a": ayla.actor_id, "b": bram.actor_id }),
        )
        .await;
    let channel = channel.data()["directChannel"]["id"]
        .as_str()
        .expect("channel id")
        .to_string();

    // Bram is offline: the message waits in his inbox.
    app.send(&ayla, &channel, "psst, got a minute?")
        .await
        .data();
    let inbox = app.inbox_with(&bram.player, 1).await;
    let notification = &inbox["notifications"]["edges"][0]["node"];
    assert_eq!(notification["code"], "DIRECT_MESSAGE");
    assert_eq!(notification["content"]["preview"], "psst, got a minute?");
    assert_eq!(notification["sender"]["name"], ayla.name.as_str());

    // Watching the conversation, he sees the next one live and gets no notification.
    let mut ws = app.ws(&bram.player).await;
    ws.subscribe("dm", MESSAGE_ADDED, json!({ "c": channel }))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    app.send(&ayla, &channel, "I see you").await.data();
    let live = ws.next_message().await.expect("the message arrives live");
    assert_eq!(text_of(&live), "I see you", "{live}");
    ws.complete("dm").await;
    drop(ws);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // Offline again: the third message is notified. Events of one channel stay in
    // order, so once it is in, the second would have been too.
    app.send(&ayla, &channel, "back later").await.data();
    let inbox = app.inbox_with(&bram.player, 2).await;
    let previews: Vec<&str> = inbox["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["content"]["preview"].as_str())
        .collect();
    assert_eq!(
        previews,
        vec!["back later", "psst, got a minute?"],
        "newest first"
    );

    // A third player can read neither the channel nor its history.
    let eve = app.new_character("Eve", "RANGER").await;
    app.send(&eve, &channel, "hi")
        .await
        .assert_error_code("NOT_IN_CHANNEL");
    app.client
        .as_user(
            &eve.player.access_token,
            "query($c: ID!) { messages(channelId: $c) { edges { node { id } } } }",
            json!({ "c": channel }),
        )
        .await
        .assert_error_code("NOT_IN_CHANNEL");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_both_ways_with_stable_cursors() {
    let app = spawn_app().await;
    let ayla = app.new_character("Ayla", "MAGE").await;
    let bram = app.new_character("Bram", "WARRIOR").await;
    let zone = format!("zone:{}", unique("z").to_lowercase());
    const JOIN: &str =
        "mutation($a: ID!, $c: ID!) { joinChannel(actorId: $a, channelId: $c) { id kind } }";
    for who in [&ayla, &bram] {
        let joined = app
            .client
            .as_user(
                &who.player.access_token,
                JOIN,
                json!({ "a": who.actor_id, "c": zone }),
            )
            .await;
        assert_eq!(joined.data()["joinChannel"]["kind"], "ZONE");
    }
    let mut sent = Vec::new();
    for n in 0..8 {
        let who = if n % 2 == 0 { &ayla } else { &bram };
        let response = app.send(who, &zone, &format!("m{n}")).await;
        sent.push(format!("m{n}"));
        response.data();
    }
    const PAGE: &str = "query($c: ID!, $f: Int, $a: String, $l: Int, $b: String) { messages(channelId: $c, first: $f, after: $a, last: $l, before: $b) { edges { cursor node { text } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let page = |mut vars: Value| {
        let token = ayla.player.access_token.clone();
        let client = app.client.clone();
        vars["c"] = json!(zone);
        async move { client.as_user(&token, PAGE, vars).await }
    };
    let texts = |response: &subgraph_kit::testing::GraphqlResponse| -> Vec<String> {
        response.data()["messages"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|e| e["node"]["text"].as_str().map(str::to_string))
            .collect()
    };

    // Newest page by default, in chronological order.
    let newest = page(json!({ "l": 3 })).await;
    assert_eq!(texts(&newest), sent[5..8]);
    assert_eq!(
        newest.data()["messages"]["pageInfo"]["hasPreviousPage"],
        true
    );
    // Backward from its start.
    let before = newest.data()["messages"]["pageInfo"]["startCursor"].clone();
    let older = page(json!({ "l": 3, "b": before })).await;
    assert_eq!(texts(&older), sent[2..5]);
    // Forward from the oldest.
    let first = page(json!({ "f": 3 })).await;
    assert_eq!(texts(&first), sent[0..3]);
    let after = first.data()["messages"]["pageInfo"]["endCursor"].clone();
    // A message arriving meanwhile does not shift the next page.
    app.send(&bram, &zone, "late").await.data();
    let second = page(json!({ "f": 3, "a": after })).await;
    assert_eq!(texts(&second), sent[3..6]);
    let rest =
        page(json!({ "f": 100, "a": second.data()["messages"]["pageInfo"]["endCursor"] })).await;
    assert_eq!(texts(&rest), ["m6", "m7", "late"]);
    assert_eq!(rest.data()["messages"]["pageInfo"]["hasNextPage"], false);

    // Bounds and malformed input.
    page(json!({ "f": 101 }))
        .await
        .assert_error_code("BAD_USER_INPUT");
    page(json!({ "f": 2, "l": 2 }))
        .await
        .assert_error_code("BAD_USER_INPUT");
    page(json!({ "f": 2, "a": "garbage" }))
        .await
        .assert_error_code("BAD_USER_INPUT");
    app.client
        .as_user(&ayla.player.access_token, PAGE, json!({ "c": "raid:1" }))
        .await
        .assert_error_code("BAD_USER_INPUT");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_edits_mutes_and_reports() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let ayla = app.new_character("Ayla", "MAGE").await;
    let bram = app.new_character("Bram", "WARRIOR").await;
    let channel = "global";
    const JOIN: &str =
        "mutation($a: ID!, $c: ID!) { joinChannel(actorId: $a, channelId: $c) { id } }";
    for who in [&ayla, &bram] {
        app.client
            .as_user(
                &who.player.access_token,
                JOIN,
                json!({ "a": who.actor_id, "c": channel }),
            )
            .await
            .data();
    }
    // Guild and direct channels follow membership, not joins.
    app.client
        .as_user(
            &ayla.player.access_token,
            JOIN,
            json!({ "a": ayla.actor_id, "c": format!("guild:{}", uuid::Uuid::new_v4()) }),
        )
        .await
        .assert_error_code("CHANNEL_NOT_JOINABLE");
    // Another player's actor cannot be used to talk.
    app.client
        .as_user(
            &bram.player.access_token,
            SEND,
            json!({ "c": channel, "a": ayla.actor_id, "t": "impostor" }),
        )
        .await
        .assert_error_code("NOT_IN_CHANNEL");

    app.send(&ayla, channel, &"x".repeat(501))
        .await
        .assert_error_code("MESSAGE_TOO_LONG");
    app.send(&ayla, channel, "   ")
        .await
        .assert_error_code("BAD_USER_INPUT");

    // Edit and delete: own messages only.
    let sent = app.send(&ayla, channel, "helo @").await;
    let id = sent.data()["sendMessage"]["id"].clone();
    const EDIT: &str =
        "mutation($m: ID!, $t: String!) { editMessage(messageId: $m, text: $t) { text editedAt } }";
    app.client
        .as_user(
            &bram.player.access_token,
            EDIT,
            json!({ "m": id, "t": "pwned" }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    let edited = app
        .client
        .as_user(
            &ayla.player.access_token,
            EDIT,
            json!({ "m": id, "t": "hello" }),
        )
        .await;
    assert_eq!(edited.data()["editMessage"]["text"], "hello");
    assert!(!edited.data()["editMessage"]["editedAt"].is_null());

    // Reports: once per player and message; admins read them.
    const REPORT: &str =
        "mutation($m: ID!, $r: String!) { reportMessage(messageId: $m, reason: $r) { id text } }";
    let report = app
        .client
        .as_user(
            &bram.player.access_token,
            REPORT,
            json!({ "m": id, "r": "spam" }),
        )
        .await;
    assert_eq!(report.data()["reportMessage"]["text"], "hello");
    app.client
        .as_user(
            &bram.player.access_token,
            REPORT,
            json!({ "m": id, "r": "spam" }),
        )
        .await
        .assert_error_code("ALREADY_REPORTED");
    const REPORTS: &str = "{ messageReports { messageId reason } }";
    let denied = app
        .client
        .as_user(&bram.player.access_token, REPORTS, json!({}))
        .await;
    denied.assert_error_code("FORBIDDEN");
    let reports = app
        .client
        .as_user(&admin.access_token, REPORTS, json!({}))
        .await;
    assert!(reports.data()["messageReports"]
        .as_array()
        .expect("reports")
        .iter()
        .any(|r| r["messageId"] == id));

    const DELETE: &str = "mutation($m: ID!) { deleteMessage(messageId: $m) { deleted text } }";
    let deleted = app
        .client
        .as_user(&ayla.player.access_token, DELETE, json!({ "m": id }))
        .await;
    assert_eq!(deleted.data()["deleteMessage"]["deleted"], true);
    assert_eq!(deleted.data()["deleteMessage"]["text"], "");
    app.client
        .as_user(
            &ayla.player.access_token,
            EDIT,
            json!({ "m": id, "t": "undo" }),
        )
        .await
        .assert_error_code("MESSAGE_DELETED");

    // Mutes: admins only (checked at the router), and muted players cannot talk.
    const MUTE: &str = "mutation($c: ID!, $a: ID!, $m: Int!) { muteInChannel(channelId: $c, actorId: $a, minutes: $m, reason: \"flood\") { mutedUntil } }";
    let refused = app
        .client
        .as_user(
            &ayla.player.access_token,
            MUTE,
            json!({ "c": channel, "a": bram.actor_id, "m": 10 }),
        )
        .await;
    refused.assert_error_code("FORBIDDEN");
    app.client
        .as_user(
            &admin.access_token,
            MUTE,
            json!({ "c": channel, "a": bram.actor_id, "m": 0 }),
        )
        .await
        .assert_error_code("BAD_USER_INPUT");
    app.client
        .as_user(
            &admin.access_token,
            MUTE,
            json!({ "c": channel, "a": bram.actor_id, "m": 10 }),
        )
        .await
        .data();
    app.send(&bram, channel, "can anyone hear me")
        .await
        .assert_error_code("MUTED");
    app.client
        .as_user(
            &admin.access_token,
            "mutation($c: ID!, $a: ID!) { unmuteInChannel(channelId: $c, actorId: $a) }",
            json!({ "c": channel, "a": bram.actor_id }),
        )
        .await
        .data();
    app.send(&bram, channel, "back").await.data();

    // Leaving a channel ends writing to it.
    const LEAVE: &str = "mutation($a: ID!, $c: ID!) { leaveChannel(actorId: $a, channelId: $c) }";
    let left = app
        .client
        .as_user(
            &bram.player.access_token,
            LEAVE,
            json!({ "a": bram.actor_id, "c": channel }),
        )
        .await;
    assert_eq!(left.data()["leaveChannel"], true);
    app.send(&bram, channel, "still here?")
        .await
        .assert_error_code("NOT_IN_CHANNEL");

    // The per-player rate limit: Ayla sent one message so far in this window.
    for n in 1..CHAT_RATE_LIMIT {
        app.send(&ayla, channel, &format!("burst {n}")).await.data();
    }
    app.send(&ayla, channel, "one too many")
        .await
        .assert_error_code("RATE_LIMITED");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentioning_a_member_notifies_them() {
    let app = spawn_app().await;
    let ayla = app.new_character("Ayla", "MAGE").await;
    let bram = app.new_character("Bram", "WARRIOR").await;
    let stranger = app.new_character("Stray", "RANGER").await;
    let guild_id = app.create_guild(&ayla, "OPEN").await;
    app.client
        .as_user(
            &bram.player.access_token,
            JOIN_GUILD,
            json!({ "a": bram.actor_id, "g": guild_id }),
        )
        .await
        .data();
    let channel = format!("guild:{guild_id}");
    app.chat_knows_member(&ayla, &channel).await;
    app.chat_knows_member(&bram, &channel).await;
    // The stranger is mentioned too, but cannot read the guild channel: no notification.
    let text = format!("@{} @{} meet at the gate", bram.name, stranger.name);
    app.send(&ayla, &channel, &text).await.data();
    let inbox = app.inbox_with(&bram.player, 1).await;
    let notification = &inbox["notifications"]["edges"][0]["node"];
    assert_eq!(notification["code"], "MENTION");
    assert_eq!(notification["sender"]["name"], ayla.name.as_str());
    // Bram's notification proves the event was consumed; the stranger's inbox is empty.
    let stranger_inbox = app
        .client
        .as_user(&stranger.player.access_token, INBOX, json!({}))
        .await;
    assert_eq!(stranger_inbox.data()["unreadNotificationCount"], 0);
    app.supergraph.stop().await.expect("stops cleanly");
}
