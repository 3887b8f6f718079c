//! The matcher: rating bands, widening windows, team balance, parties, timeouts, the
//! outbox event, and one match per ticket even with two matchers at once.

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use sea_orm::PaginatorTrait;

use super::*;
use crate::matches::MatchView;
use crate::tickets::TicketStatus;

/// Every ticket of `formed`, asserting none appears twice.
fn tickets_of(formed: &[MatchView]) -> HashSet<Uuid> {
    let mut seen = HashSet::new();
    for found in formed {
        for team in &found.teams {
            for ticket_id in &team.ticket_ids {
                assert!(
                    seen.insert(*ticket_id),
                    "ticket {ticket_id} is in two matches"
                );
            }
        }
    }
    seen
}

#[tokio::test]
async fn two_rating_bands_form_balanced_matches_of_their_own() {
    let harness = Harness::new().await;
    let mut rating_of_actor = HashMap::new();
    let mut band_tickets = Vec::new();
    for i in 0..5 {
        for base in [980, 1580] {
            let (_, actor, queued) = harness.queued("skirmish", base + i * 10).await;
            rating_of_actor.insert(actor, base + i * 10);
            band_tickets.push(queued.row.id);
        }
    }
    let (_, _, outlier) = harness.queued("skirmish", 1300).await;
    let now = Utc::now();
    let outcome = harness.tick(now).await;

    assert_eq!(outcome.formed.len(), 2, "{:?}", outcome.formed);
    let matched = tickets_of(&outcome.formed);
    assert_eq!(
        matched,
        band_tickets.iter().copied().collect::<HashSet<_>>(),
        "every band ticket is matched once, the outlier is not"
    );
    for found in &outcome.formed {
        assert_eq!(
            (found.mode.as_str(), found.region.as_str()),
            ("skirmish", "eu")
        );
        let ratings: Vec<i32> = found.actor_ids().map(|a| rating_of_actor[&a]).collect();
        assert!((4..=6).contains(&ratings.len()), "{ratings:?}");
        let spread =
            ratings.iter().max().expect("players") - ratings.iter().min().expect("players");
        assert!(spread <= 100, "one band per match: {ratings:?}");
        assert_eq!(found.teams.len(), 2);
        for team in &found.teams {
            assert!((2..=3).contains(&team.actor_ids.len()), "{team:?}");
            let average = team
                .actor_ids
                .iter()
                .map(|a| f64::from(rating_of_actor[a]))
                .sum::<f64>()
                / team.actor_ids.len() as f64;
            assert!((team.average_rating - average).abs() < 1e-9);
        }
        let gap = (found.teams[0].average_rating - found.teams[1].average_rating).abs();
        assert!(gap <= 25.0, "teams are balanced: {:?}", found.teams);
    }
    for ticket_id in &band_tickets {
        let stored = harness.ticket(*ticket_id).await;
        assert_eq!(stored.status, TicketStatus::Matched.code());
        assert!(stored.match_id.is_some() && stored.team_index.is_some());
    }
    assert_eq!(
        harness.ticket(outlier.row.id).await.status,
        TicketStatus::Searching.code()
    );
    // A second round changes nothing.
    assert!(harness.tick(now).await.formed.is_empty());
}

#[tokio::test]
async fn a_lone_outlier_is_matched_once_the_windows_widen() {
    let harness = Harness::new().await;
    let mut others = Vec::new();
    for rating in [1000, 1010, 990] {
        others.push(harness.queued("skirmish", rating).await.2.row.id);
    }
    let (_, _, outlier) = harness.queued("skirmish", 1300).await;
    let start = outlier.row.created_at;
    // 3 players are too few; at 1300 the outlier is 290-310 away from them.
    assert!(harness.tick(start).await.formed.is_empty());
    // After 3 s the windows are 250 wide: still too narrow.
    assert!(harness
        .tick(start + Duration::seconds(3))
        .await
        .formed
        .is_empty());
    assert_eq!(
        harness.ticket(outlier.row.id).await.status,
        TicketStatus::Searching.code()
    );
    // After 5 s they are 350 wide: the four make a match.
    let outcome = harness.tick(start + Duration::seconds(5)).await;
    assert_eq!(outcome.formed.len(), 1);
    let matched = tickets_of(&outcome.formed);
    assert!(matched.contains(&outlier.row.id));
    assert!(others.iter().all(|id| matched.contains(id)));
}

#[tokio::test]
async fn unmatched_tickets_time_out_and_free_the_actor() {
    let rules = MatchmakingRules {
        ticket_timeout_secs: 30,
        ..MatchmakingRules::default()
    };
    let harness = Harness::with_rules(rules).await;
    let (viewer, actor, lonely) = harness.queued("duel", 1000).await;
    let start = lonely.row.created_at;
    let early = harness.tick(start + Duration::seconds(29)).await;
    assert!(early.timed_out.is_empty());
    let late = harness.tick(start + Duration::seconds(31)).await;
    assert_eq!(late.timed_out, vec![lonely.row.id]);
    assert!(late.formed.is_empty());
    assert_eq!(
        harness.ticket(lonely.row.id).await.status,
        TicketStatus::TimedOut.code()
    );
    assert_err(
        crate::tickets::cancel(&harness.db, &viewer, lonely.row.id).await,
        "TICKET_NOT_ACTIVE",
    );
    harness
        .enqueue(&viewer, actor, "duel", &[])
        .await
        .expect("queues again after timing out");
}

#[tokio::test]
async fn a_party_plays_on_one_team() {
    let harness = Harness::new().await;
    let leader = player();
    let leader_actor = harness.actor_of(&leader);
    let friends: Vec<Uuid> = (0..2).map(|_| harness.actor_of(&player())).collect();
    let party = harness
        .enqueue(&leader, leader_actor, "skirmish", &friends)
        .await
        .expect("queues a party of three");
    for rating in [1000, 1040, 960] {
        harness.queued("skirmish", rating).await;
    }
    let outcome = harness.tick(Utc::now()).await;
    assert_eq!(outcome.formed.len(), 1);
    let found = &outcome.formed[0];
    let party_team: Vec<_> = found
        .teams
        .iter()
        .filter(|team| team.ticket_ids.contains(&party.row.id))
        .collect();
    assert_eq!(party_team.len(), 1);
    let mut sorted_friends = friends.clone();
    sorted_friends.sort();
    let mut expected = vec![leader_actor];
    expected.extend(sorted_friends);
    assert_eq!(party_team[0].actor_ids, expected, "the party, leader first");
    assert!(found.teams.iter().all(|team| team.actor_ids.len() == 3));
    let stored = harness.ticket(party.row.id).await;
    assert_eq!(stored.match_id, Some(found.id));
    assert_eq!(stored.team_index, Some(party_team[0].index));
}

#[tokio::test]
async fn a_match_is_one_outbox_event_and_frees_its_players() {
    let harness = Harness::new().await;
    let (first, first_actor, first_ticket) = harness.queued("duel", 1000).await;
    let (_, second_actor, _) = harness.queued("duel", 1060).await;
    let outcome = harness.tick(Utc::now()).await;
    assert_eq!(outcome.formed.len(), 1);
    let found = &outcome.formed[0];

    let events = harness.events().await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.event_type, crate::MATCH_FORMED);
    assert_eq!(event.aggregate_id, found.id.to_string());
    assert_eq!(event.payload["matchId"], found.id.to_string());
    assert_eq!(event.payload["mode"], "duel");
    assert_eq!(event.payload["region"], "eu");
    let teams: Vec<Vec<String>> =
        serde_json::from_value(event.payload["teams"].clone()).expect("teams of actor ids");
    let mut players: Vec<String> = teams.concat();
    players.sort();
    let mut expected = vec![first_actor.to_string(), second_actor.to_string()];
    expected.sort();
    assert_eq!(players, expected);
    assert_eq!(event.payload["ratings"][first_actor.to_string()], 1000);
    assert_eq!(event.payload["ratings"][second_actor.to_string()], 1060);

    assert_err(
        crate::tickets::cancel(&harness.db, &first, first_ticket.row.id).await,
        "TICKET_NOT_ACTIVE",
    );
    harness
        .enqueue(&first, first_actor, "duel", &[])
        .await
        .expect("a matched player may queue again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_matchers_at_once_never_share_a_ticket() {
    let harness = Harness::new().await;
    let mut queued = HashSet::new();
    for i in 0..12 {
        queued.insert(harness.queued("skirmish", 1000 + i).await.2.row.id);
    }
    let twin = harness.matcher.clone();
    let now = Utc::now();
    let (one, two) = tokio::join!(harness.matcher.tick(now), twin.tick(now));
    let mut formed = one.expect("round one").formed;
    formed.extend(two.expect("round two").formed);
    assert_eq!(tickets_of(&formed), queued);
    assert_eq!(formed.len(), 2);
    let stored = entities::matchmaking::formed_match::Entity::find()
        .count(&harness.db)
        .await
        .expect("counts matches");
    assert_eq!(stored, 2);
    assert_eq!(harness.events().await.len(), 2);
}

#[tokio::test]
async fn cancelled_tickets_are_never_matched() {
    let harness = Harness::new().await;
    let (quitter, _, quitting) = harness.queued("duel", 1000).await;
    let (_, _, staying) = harness.queued("duel", 1000).await;
    crate::tickets::cancel(&harness.db, &quitter, quitting.row.id)
        .await
        .expect("cancels");
    assert!(harness.tick(Utc::now()).await.formed.is_empty());
    assert_eq!(
        harness.ticket(staying.row.id).await.status,
        TicketStatus::Searching.code()
    );
    let (_, _, newcomer) = harness.queued("duel", 1050).await;
    let outcome = harness.tick(Utc::now()).await;
    assert_eq!(
        tickets_of(&outcome.formed),
        [staying.row.id, newcomer.row.id].into_iter().collect()
    );
}
