//! Player reports: ownership, self-reports, replays, the rate limit, `REPORTED` flags.

use serde_json::json;

use super::*;

const REPORT: &str =
    "mutation($reporter: ID!, $reported: ID!, $reason: ReportReason!, $key: String!) {
    reportPlayer(reporterActorId: $reporter, reportedActorId: $reported, reason: $reason,
                 comment: \"teleports around\", idempotencyKey: $key) {
        id reason comment replayed reporterUserId reportedUserId
    }
}";

fn vars(reporter: Uuid, reported: Uuid, key: &str) -> Value {
    json!({ "reporter": reporter, "reported": reported, "reason": "CHEATING", "key": key })
}

#[tokio::test]
async fn reports_need_your_own_actor_and_someone_else() {
    let h = Harness::new().await;
    let (me, other) = (player(), player());
    let mine = h.actor_of(me.user_id);
    let my_alt = h.actor_of(me.user_id);
    let theirs = h.actor_of(other.user_id);
    let forbidden = h.run(Some(&me), REPORT, vars(theirs, mine, "k1")).await;
    assert_code(&forbidden, "FORBIDDEN");
    let myself = h.run(Some(&me), REPORT, vars(mine, mine, "k2")).await;
    assert_code(&myself, "INVALID_REPORT");
    let alt = h.run(Some(&me), REPORT, vars(mine, my_alt, "k3")).await;
    assert_code(&alt, "INVALID_REPORT");
    let unknown = h
        .run(Some(&me), REPORT, vars(mine, Uuid::new_v4(), "k4"))
        .await;
    assert_code(&unknown, "NOT_FOUND");
    let anonymous = h.run(None, REPORT, vars(mine, theirs, "k5")).await;
    assert_code(&anonymous, "UNAUTHENTICATED");

    let filed = h.data(&me, REPORT, vars(mine, theirs, "k6")).await;
    assert_eq!(filed["reportPlayer"]["replayed"], false);
    assert_eq!(filed["reportPlayer"]["reason"], "CHEATING");
    assert_eq!(
        filed["reportPlayer"]["reporterUserId"],
        Value::Null,
        "players do not see ids"
    );
    let replay = h.data(&me, REPORT, vars(mine, theirs, "k6")).await;
    assert_eq!(replay["reportPlayer"]["replayed"], true);
    assert_eq!(replay["reportPlayer"]["id"], filed["reportPlayer"]["id"]);
    let reused = h
        .run(
            Some(&me),
            REPORT,
            json!({ "reporter": mine, "reported": theirs, "reason": "SPAM", "key": "k6" }),
        )
        .await;
    assert_code(&reused, "IDEMPOTENCY_KEY_REUSED");

    // Operators list reports, players may not.
    let query = "query($user: ID) { playerReports(reportedUserId: $user) { edges { node { id reportedUserId } } } }";
    let listed = h
        .data(&admin(), query, json!({ "user": other.user_id }))
        .await;
    let edges = listed["playerReports"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(edges.len(), 1);
    assert_eq!(
        edges[0]["node"]["reportedUserId"],
        json!(other.user_id.to_string())
    );
    let denied = h
        .run(Some(&me), query, json!({ "user": other.user_id }))
        .await;
    assert_code(&denied, "FORBIDDEN");
}

#[tokio::test]
async fn three_distinct_reporters_flag_the_player_once() {
    let h = Harness::new().await;
    let suspect = player();
    let suspect_actor = h.actor_of(suspect.user_id);
    let first = player();
    let first_actor = h.actor_of(first.user_id);
    // One reporter reporting twice counts once.
    for key in ["a", "b"] {
        h.data(&first, REPORT, vars(first_actor, suspect_actor, key))
            .await;
    }
    assert!(h.flags().await.is_empty());
    let second = player();
    let second_actor = h.actor_of(second.user_id);
    h.data(&second, REPORT, vars(second_actor, suspect_actor, "a"))
        .await;
    assert!(h.flags().await.is_empty());
    let third = player();
    let third_actor = h.actor_of(third.user_id);
    h.data(&third, REPORT, vars(third_actor, suspect_actor, "a"))
        .await;
    let flags = h.flags().await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, "REPORTED");
    assert_eq!(flags[0].user_id, suspect.user_id);
    assert_eq!(flags[0].detail["distinctReporters"], 3);
    let fourth = player();
    let fourth_actor = h.actor_of(fourth.user_id);
    h.data(&fourth, REPORT, vars(fourth_actor, suspect_actor, "a"))
        .await;
    assert_eq!(h.flags().await.len(), 1, "one flag per window");
    assert_eq!(h.events("anticheat.flagged").await.len(), 1);
}

#[tokio::test]
async fn reporting_is_rate_limited() {
    let h = Harness::new().await;
    let me = player();
    let mine = h.actor_of(me.user_id);
    for n in 0..10 {
        let target = h.actor_of(Uuid::new_v4());
        h.data(&me, REPORT, vars(mine, target, &format!("r{n}")))
            .await;
    }
    let target = h.actor_of(Uuid::new_v4());
    let limited = h.run(Some(&me), REPORT, vars(mine, target, "r10")).await;
    assert_code(&limited, "RATE_LIMITED");
    // A replay of an earlier report is still answered.
    let first_target = h
        .data(
            &admin(),
            "{ playerReports(first: 100) { edges { node { id reportedActorId } } } }",
            json!({}),
        )
        .await["playerReports"]["edges"]
        .as_array()
        .expect("edges")
        .len();
    assert_eq!(first_target, 10);
}
