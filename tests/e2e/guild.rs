//! Guilds through the router: the "join guild" seed flow (invite → live notification →
//! accept → membership visible in `me`), permissions and limits, join requests, and
//! what happens when a member's actor is deleted.

use serde_json::{json, Value};

use crate::helpers::*;

const ME_GUILD: &str =
    "{ me { actors { id name guild { id name members { name } } guildRole { kind } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_guild_invite_notifies_the_invitee_live_and_accepting_shows_the_member() {
    let app = spawn_app().await;
    let ayla = app.new_character("Ayla", "WARRIOR").await;
    let bram = app.new_character("Bram", "MAGE").await;
    let guild_id = app.create_guild(&ayla, "CLOSED").await;

    // Bram is online and listening for notifications.
    let mut ws = app.ws(&bram.player).await;
    ws.subscribe(
        "inbox",
        "subscription { notificationReceived { id code subject content sender { name level } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let invitation = app
        .client
        .as_user(
            &ayla.player.access_token,
            INVITE,
            json!({ "a": ayla.actor_id, "i": bram.actor_id }),
        )
        .await;
    let invitation_id = invitation.data()["inviteToGuild"]["id"]
        .as_str()
        .expect("invitation id")
        .to_string();

    let event = ws
        .next_message_within(EVENTUALLY)
        .await
        .expect("the invitation arrives live");
    assert_eq!(event["type"], "next", "{event}");
    let notification = &event["payload"]["data"]["notificationReceived"];
    assert_eq!(notification["code"], "GUILD_INVITATION");
    assert_eq!(
        notification["content"]["invitationId"],
        invitation_id.as_str()
    );
    assert!(
        notification["subject"]
            .as_str()
            .is_some_and(|s| s.contains(&ayla.name) && s.contains(&bram.name)),
        "{notification}"
    );
    // `sender` is an Actor reference the router completed from chaos.
    assert_eq!(notification["sender"]["name"], ayla.name.as_str());
    assert_eq!(notification["sender"]["level"], 1);

    // The invitation is also in Bram's inbox and pending list.
    let pending = app
        .client
        .as_user(
            &bram.player.access_token,
            "{ myGuildInvitations { id guild { name } inviter { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        pending.data()["myGuildInvitations"][0]["inviter"]["name"],
        ayla.name.as_str()
    );

    let accepted = app
        .client
        .as_user(
            &bram.player.access_token,
            ACCEPT,
            json!({ "i": invitation_id }),
        )
        .await;
    assert_eq!(
        accepted.data()["acceptGuildInvitation"]["status"],
        "ACCEPTED"
    );

    // One query spans users (me), chaos (actors, names) and guild (guild, members).
    let me = app
        .client
        .as_user(&bram.player.access_token, ME_GUILD, json!({}))
        .await;
    let actor = &me.data()["me"]["actors"][0];
    assert_eq!(actor["guildRole"]["kind"], "MEMBER");
    assert_eq!(actor["guild"]["id"], guild_id.as_str());
    let members: Vec<&str> = actor["guild"]["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(
        members,
        vec![ayla.name.as_str(), bram.name.as_str()],
        "leader first"
    );

    // The inbox keeps it; reading it clears the unread count.
    let inbox = app.inbox_with(&bram.player, 1).await;
    assert_eq!(inbox["unreadNotificationCount"], 1);
    let id = inbox["notifications"]["edges"][0]["node"]["id"].clone();
    app.client
        .as_user(
            &bram.player.access_token,
            "mutation($id: ID!) { markNotificationRead(id: $id) { readAt } }",
            json!({ "id": id }),
        )
        .await
        .data();
    let after = app
        .client
        .as_user(&bram.player.access_token, INBOX, json!({}))
        .await;
    assert_eq!(after.data()["unreadNotificationCount"], 0);
    // Someone else's notification is not theirs to touch.
    let foreign = app
        .client
        .as_user(
            &ayla.player.access_token,
            "mutation($id: ID!) { deleteNotification(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    foreign.assert_error_code("FORBIDDEN");

    drop(ws);
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guild_commands_check_ownership_roles_and_limits() {
    let app = spawn_app().await;
    let leader = app.new_character("Lead", "WARRIOR").await;
    let member = app.new_character("Memb", "CLERIC").await;
    let third = app.new_character("Third", "RANGER").await;
    let outsider = app.new_character("Out", "MAGE").await;
    let guild_id = app.create_guild(&leader, "CLOSED").await;
    let call = |who: &Character, query: &'static str, vars: serde_json::Value| {
        let token = who.player.access_token.clone();
        let client = app.client.clone();
        async move { client.as_user(&token, query, vars).await }
    };

    // Names are unique (case-insensitive) and validated.
    let name = app
        .client
        .as_user(
            &leader.player.access_token,
            "query($g: ID!) { guild(id: $g) { name } }",
            json!({ "g": guild_id }),
        )
        .await;
    let taken = name.data()["guild"]["name"]
        .as_str()
        .expect("name")
        .to_uppercase();
    call(
        &outsider,
        CREATE_GUILD,
        json!({ "a": outsider.actor_id, "n": taken }),
    )
    .await
    .assert_error_code("GUILD_NAME_TAKEN");
    call(
        &outsider,
        CREATE_GUILD,
        json!({ "a": outsider.actor_id, "n": "x;" }),
    )
    .await
    .assert_error_code("BAD_USER_INPUT");
    // Acting with someone else's actor.
    call(
        &outsider,
        INVITE,
        json!({ "a": leader.actor_id, "i": outsider.actor_id }),
    )
    .await
    .assert_error_code("FORBIDDEN");
    // Acting without a guild.
    call(
        &outsider,
        INVITE,
        json!({ "a": outsider.actor_id, "i": member.actor_id }),
    )
    .await
    .assert_error_code("NOT_IN_GUILD");
    // Unauthenticated callers are stopped at the router.
    app.client
        .anonymous(
            INVITE,
            json!({ "a": leader.actor_id, "i": member.actor_id }),
        )
        .await
        .assert_error_code("UNAUTHENTICATED");

    let invite = |invitee: &Character| {
        call(
            &leader,
            INVITE,
            json!({ "a": leader.actor_id, "i": invitee.actor_id }),
        )
    };
    let invitation = invite(&member).await;
    let invitation_id = invitation.data()["inviteToGuild"]["id"].clone();
    invite(&member)
        .await
        .assert_error_code("INVITATION_PENDING");
    // Only the invitee's player may answer.
    call(&outsider, ACCEPT, json!({ "i": invitation_id }))
        .await
        .assert_error_code("FORBIDDEN");
    call(&member, ACCEPT, json!({ "i": invitation_id }))
        .await
        .data();
    call(&member, ACCEPT, json!({ "i": invitation_id }))
        .await
        .assert_error_code("INVITATION_NOT_PENDING");
    invite(&member).await.assert_error_code("ALREADY_IN_GUILD");

    // Plain members may not invite or kick.
    call(
        &member,
        INVITE,
        json!({ "a": member.actor_id, "i": third.actor_id }),
    )
    .await
    .assert_error_code("MISSING_GUILD_PERMISSION");
    const KICK: &str =
        "mutation($a: ID!, $m: ID!) { kickGuildMember(actorId: $a, memberActorId: $m) }";
    call(
        &member,
        KICK,
        json!({ "a": member.actor_id, "m": leader.actor_id }),
    )
    .await
    .assert_error_code("MISSING_GUILD_PERMISSION");

    // A closed guild takes join requests; an officer decides.
    let request = call(
        &third,
        JOIN_GUILD,
        json!({ "a": third.actor_id, "g": guild_id }),
    )
    .await;
    let result = &request.data()["joinGuild"];
    assert_eq!(result["joined"], false);
    let request_id = result["request"]["id"].clone();
    call(
        &third,
        JOIN_GUILD,
        json!({ "a": third.actor_id, "g": guild_id }),
    )
    .await
    .assert_error_code("JOIN_REQUEST_PENDING");
    const APPROVE: &str = "mutation($a: ID!, $r: ID!) { approveGuildJoinRequest(actorId: $a, requestId: $r) { status } }";
    call(
        &member,
        APPROVE,
        json!({ "a": member.actor_id, "r": request_id }),
    )
    .await
    .assert_error_code("MISSING_GUILD_PERMISSION");
    let approved = call(
        &leader,
        APPROVE,
        json!({ "a": leader.actor_id, "r": request_id }),
    )
    .await;
    assert_eq!(
        approved.data()["approveGuildJoinRequest"]["status"],
        "APPROVED"
    );

    // The guild is full at the test limit of three.
    invite(&outsider).await.assert_error_code("GUILD_FULL");

    // Custom roles: ranked below the creator, never granting more than it holds.
    const CREATE_ROLE: &str = "mutation($a: ID!, $n: String!, $r: Int!, $p: [Permission!]!) { createGuildRole(actorId: $a, name: $n, rank: $r, permissions: $p) { id kind rank permissions } }";
    let role = call(
        &leader,
        CREATE_ROLE,
        json!({ "a": leader.actor_id, "n": "Recruiter", "r": 50, "p": ["INVITE", "KICK"] }),
    )
    .await;
    let role_id = role.data()["createGuildRole"]["id"].clone();
    call(
        &leader,
        CREATE_ROLE,
        json!({ "a": leader.actor_id, "n": "Recruiter", "r": 60, "p": [] }),
    )
    .await
    .assert_error_code("ROLE_NAME_TAKEN");
    call(
        &leader,
        CREATE_ROLE,
        json!({ "a": leader.actor_id, "n": "Boss", "r": 0, "p": [] }),
    )
    .await
    .assert_error_code("BAD_USER_INPUT");
    const SET_ROLE: &str = "mutation($a: ID!, $m: ID!, $r: ID!) { setGuildMemberRole(actorId: $a, memberActorId: $m, roleId: $r) }";
    call(
        &leader,
        SET_ROLE,
        json!({ "a": leader.actor_id, "m": member.actor_id, "r": role_id }),
    )
    .await
    .data();
    // The recruiter may now kick plain members, but not its equals or seniors.
    call(
        &member,
        KICK,
        json!({ "a": member.actor_id, "m": leader.actor_id }),
    )
    .await
    .assert_error_code("OUTRANKED");
    let kicked = call(
        &member,
        KICK,
        json!({ "a": member.actor_id, "m": third.actor_id }),
    )
    .await;
    assert_eq!(kicked.data()["kickGuildMember"], true);
    // The kicked player heard about the approval and the kick through the event bus.
    let inbox = app.inbox_with(&third.player, 2).await;
    let codes: Vec<&str> = inbox["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["GUILD_KICKED", "GUILD_JOIN_REQUEST_APPROVED"],
        "newest first"
    );

    // A leader with members must hand over before leaving.
    const LEAVE: &str = "mutation($a: ID!) { leaveGuild(actorId: $a) }";
    call(&leader, LEAVE, json!({ "a": leader.actor_id }))
        .await
        .assert_error_code("LEADER_MUST_TRANSFER");
    call(
        &leader,
        "mutation($a: ID!, $n: ID!) { transferGuildLeadership(actorId: $a, newLeaderActorId: $n) }",
        json!({ "a": leader.actor_id, "n": member.actor_id }),
    )
    .await
    .data();
    let roles = call(&member, ME_GUILD, json!({})).await;
    assert_eq!(
        roles.data()["me"]["actors"][0]["guildRole"]["kind"],
        "LEADER"
    );
    call(&leader, LEAVE, json!({ "a": leader.actor_id }))
        .await
        .data();
    let gone = call(&leader, ME_GUILD, json!({})).await;
    assert!(gone.data()["me"]["actors"][0]["guild"].is_null());

    // Disbanding ends every membership; members are told.
    call(
        &member,
        "mutation($a: ID!) { disbandGuild(actorId: $a) }",
        json!({ "a": member.actor_id }),
    )
    .await
    .data();
    let lookup = app
        .client
        .as_user(
            &member.player.access_token,
            "query($g: ID!) { guild(id: $g) { id } }",
            json!({ "g": guild_id }),
        )
        .await;
    assert!(lookup.data()["guild"].is_null());
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_leaders_actor_passes_the_guild_to_the_next_member() {
    let app = spawn_app().await;
    let leader = app.new_character("Old", "WARRIOR").await;
    let heir = app.new_character("Heir", "MAGE").await;
    let guild_id = app.create_guild(&leader, "OPEN").await;
    let joined = app
        .client
        .as_user(
            &heir.player.access_token,
            JOIN_GUILD,
            json!({ "a": heir.actor_id, "g": guild_id }),
        )
        .await;
    assert_eq!(joined.data()["joinGuild"]["joined"], true);

    app.client
        .as_user(
            &leader.player.access_token,
            "mutation($a: ID!) { deleteActor(actorId: $a) }",
            json!({ "a": leader.actor_id }),
        )
        .await
        .data();
    // chaos publishes actor.deleted; guild consumes it.
    eventually("the heir to lead", || async {
        let me = app
            .client
            .as_user(&heir.player.access_token, ME_GUILD, json!({}))
            .await;
        let actor = me.data()["me"]["actors"][0].clone();
        (actor["guildRole"]["kind"] == "LEADER").then_some(())
    })
    .await;
    let guild = app
        .client
        .as_user(
            &heir.player.access_token,
            "query($g: ID!) { guild(id: $g) { memberCount leader { name } } }",
            json!({ "g": guild_id }),
        )
        .await;
    assert_eq!(guild.data()["guild"]["memberCount"], 1);
    assert_eq!(guild.data()["guild"]["leader"]["name"], heir.name.as_str());
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_follow_membership_changes_live_and_declines_change_nothing() {
    let app = spawn_app().await;
    let leader = app.new_character("Lead", "WARRIOR").await;
    let joiner = app.new_character("Join", "MAGE").await;
    let decliner = app.new_character("Nope", "CLERIC").await;
    let guild_id = app.create_guild(&leader, "OPEN").await;
    const CHANGES: &str = "subscription($g: ID!) { guildMemberChanged(guildId: $g) { change actor { name } role { kind } } }";

    // Only members may follow a guild.
    let mut outsider = app.ws(&joiner.player).await;
    outsider
        .subscribe("g", CHANGES, json!({ "g": guild_id }))
        .await;
    let refused = outsider.next_message().await.expect("an answer");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );

    let mut ws = app.ws(&leader.player).await;
    ws.subscribe("g", CHANGES, json!({ "g": guild_id })).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    // A declined invitation changes no membership.
    let invitation = app
        .client
        .as_user(
            &leader.player.access_token,
            INVITE,
            json!({ "a": leader.actor_id, "i": decliner.actor_id }),
        )
        .await;
    let declined = app
        .client
        .as_user(
            &decliner.player.access_token,
            "mutation($i: ID!) { declineGuildInvitation(invitationId: $i) { status } }",
            json!({ "i": invitation.data()["inviteToGuild"]["id"] }),
        )
        .await;
    assert_eq!(
        declined.data()["declineGuildInvitation"]["status"],
        "DECLINED"
    );

    app.client
        .as_user(
            &joiner.player.access_token,
            JOIN_GUILD,
            json!({ "a": joiner.actor_id, "g": guild_id }),
        )
        .await
        .data();
    let joined = ws.next_message().await.expect("the join arrives");
    let change = &joined["payload"]["data"]["guildMemberChanged"];
    assert_eq!(change["change"], "JOINED", "{joined}");
    // `actor.name` comes from chaos, `role` from guild.
    assert_eq!(change["actor"]["name"], joiner.name.as_str());
    assert_eq!(change["role"]["kind"], "MEMBER");

    app.client
        .as_user(
            &joiner.player.access_token,
            "mutation($a: ID!) { leaveGuild(actorId: $a) }",
            json!({ "a": joiner.actor_id }),
        )
        .await
        .data();
    let left = ws.next_message().await.expect("the departure arrives");
    assert_eq!(
        left["payload"]["data"]["guildMemberChanged"]["change"],
        "LEFT"
    );
    assert!(left["payload"]["data"]["guildMemberChanged"]["role"].is_null());
    drop((ws, outsider));
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_pages_marks_and_deletes() {
    let app = spawn_app().await;
    let player = app.new_character("Inbox", "MAGE").await;
    // Three direct messages from three players make three notifications.
    for n in 0..3 {
        let sender = app.new_character("Send", "WARRIOR").await;
        let channel = app
            .client
            .anonymous(
                "query($a: ID!, $b: ID!) { directChannel(actorId: $a, otherActorId: $b) { id } }",
                json!({ "a": sender.actor_id, "b": player.actor_id }),
            )
            .await;
        let channel = channel.data()["directChannel"]["id"].clone();
        app.client
            .as_user(
                &sender.player.access_token,
                SEND,
                json!({ "c": channel, "a": sender.actor_id, "t": format!("note {n}") }),
            )
            .await
            .data();
    }
    // The three conversations are separate partitions on Kafka, so the notifications
    // may be made in any order; pages must follow the inbox's own order.
    let whole = app.inbox_with(&player.player, 3).await;
    let ids = |edges: &Value| -> Vec<String> {
        edges
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|e| e["node"]["id"].as_str().map(str::to_string))
            .collect()
    };
    let all_ids = ids(&whole["notifications"]["edges"]);
    let mut previews: Vec<&str> = whole["notifications"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["content"]["preview"].as_str())
        .collect();
    previews.sort_unstable();
    assert_eq!(previews, ["note 0", "note 1", "note 2"]);
    let token = &player.player.access_token;
    const PAGE: &str = "query($a: String, $u: Boolean) { notifications(first: 2, after: $a, unreadOnly: $u) { edges { node { id content } } pageInfo { hasNextPage endCursor } } }";
    let first = app.client.as_user(token, PAGE, json!({})).await;
    let page = &first.data()["notifications"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(ids(&page["edges"]), all_ids[..2]);
    let second = app
        .client
        .as_user(token, PAGE, json!({ "a": page["pageInfo"]["endCursor"] }))
        .await;
    let rest = &second.data()["notifications"];
    assert_eq!(ids(&rest["edges"]), all_ids[2..]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    // Delete one, mark the rest read.
    let deleted = app
        .client
        .as_user(
            token,
            "mutation($id: ID!) { deleteNotification(id: $id) }",
            json!({ "id": rest["edges"][0]["node"]["id"] }),
        )
        .await;
    assert_eq!(deleted.data()["deleteNotification"], true);
    let marked = app
        .client
        .as_user(token, "mutation { markAllNotificationsRead }", json!({}))
        .await;
    assert_eq!(marked.data()["markAllNotificationsRead"], 2);
    let unread = app.client.as_user(token, PAGE, json!({ "u": true })).await;
    assert_eq!(unread.data()["notifications"]["edges"], json!([]));
    let inbox = app.client.as_user(token, INBOX, json!({})).await;
    assert_eq!(inbox.data()["unreadNotificationCount"], 0);
    assert_eq!(
        inbox.data()["notifications"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // Malformed input.
    app.client
        .as_user(token, PAGE, json!({ "a": "not-a-cursor" }))
        .await
        .assert_error_code("BAD_USER_INPUT");
    app.client
        .as_user(
            token,
            "mutation { markNotificationRead(id: \"nope\") { id } }",
            json!({}),
        )
        .await
        .assert_error_code("BAD_USER_INPUT");
    app.supergraph.stop().await.expect("stops cleanly");
}
