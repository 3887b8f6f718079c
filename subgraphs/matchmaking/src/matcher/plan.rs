//! Which searching tickets of one queue (mode and region) become which matches. Pure:
//! the caller loads the tickets and writes the matches.
//!
//! Tickets are taken oldest first. The oldest unplaced ticket anchors a match; younger
//! tickets join while every pair of the match lies within both tickets' windows (a
//! window widens the longer a ticket waits), until the match is full. A match needs
//! `teams × min_team_size` players and takes at most `teams × max_team_size`. Parties
//! are never split. Teams are balanced greedily: parties first, then by rating,
//! each ticket going to the team with the lowest total rating that has room.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::settings::{MatchmakingRules, ModeRules};

/// A searching ticket as the planner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The ticket.
    pub ticket_id: Uuid,
    /// Its rating (its party's average).
    pub rating: i32,
    /// Players it brings.
    pub party_size: u32,
    /// When it queued.
    pub created_at: DateTime<Utc>,
}

/// A match to form: the tickets of each team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMatch {
    /// Ticket ids per team, by team index.
    pub teams: Vec<Vec<Uuid>>,
}

/// The matches `candidates` make at `now`. Each ticket is in at most one match.
pub fn plan(
    candidates: &[Candidate],
    mode: &ModeRules,
    rules: &MatchmakingRules,
    now: DateTime<Utc>,
) -> Vec<PlannedMatch> {
    let mut queue: Vec<Candidate> = candidates.to_vec();
    queue.sort_by_key(|c| (c.created_at, c.ticket_id));
    let windows: Vec<i32> = queue
        .iter()
        .map(|c| rules.window_after((now - c.created_at).num_milliseconds()))
        .collect();
    let compatible = |a: usize, b: usize| {
        let difference = (i64::from(queue[a].rating) - i64::from(queue[b].rating)).abs();
        difference <= i64::from(windows[a].min(windows[b]))
    };
    let (min_players, max_players) = (mode.min_players(), mode.max_players());
    let mut placed = vec![false; queue.len()];
    let mut matches = Vec::new();
    for anchor in 0..queue.len() {
        if placed[anchor] || queue[anchor].party_size > mode.max_team_size {
            continue;
        }
        let mut selected = vec![anchor];
        let mut players = queue[anchor].party_size;
        for candidate in anchor + 1..queue.len() {
            if players == max_players {
                break;
            }
            if placed[candidate]
                || players + queue[candidate].party_size > max_players
                || queue[candidate].party_size > mode.max_team_size
                || !selected.iter().all(|&s| compatible(s, candidate))
            {
                continue;
            }
            selected.push(candidate);
            players += queue[candidate].party_size;
        }
        // The youngest joiners give way when parties cannot be balanced into teams.
        while players >= min_players {
            let tickets: Vec<&Candidate> = selected.iter().map(|&i| &queue[i]).collect();
            if let Some(teams) = assign_teams(&tickets, mode) {
                for &i in &selected {
                    placed[i] = true;
                }
                matches.push(PlannedMatch { teams });
                break;
            }
            if selected.len() == 1 {
                break;
            }
            let dropped = selected.pop().expect("more than the anchor is selected");
            players -= queue[dropped].party_size;
        }
    }
    matches
}

/// Splits `tickets` into balanced teams within the mode's team sizes, or `None` when
/// the parties do not fit.
pub fn assign_teams(tickets: &[&Candidate], mode: &ModeRules) -> Option<Vec<Vec<Uuid>>> {
    let players: u32 = tickets.iter().map(|t| t.party_size).sum();
    let teams = mode.teams as usize;
    if players < mode.min_players() || players > mode.max_players() {
        return None;
    }
    // Even sizes first (e.g. 3 + 2 for five players); any sizes within the bounds next.
    let even: Vec<u32> = (0..mode.teams)
        .map(|i| players / mode.teams + u32::from(i < players % mode.teams))
        .collect();
    let loose = vec![mode.max_team_size; teams];
    let mut order: Vec<&Candidate> = tickets.to_vec();
    order.sort_by(|a, b| {
        b.party_size
            .cmp(&a.party_size)
            .then(b.rating.cmp(&a.rating))
            .then(a.created_at.cmp(&b.created_at))
    });
    [even, loose].into_iter().find_map(|caps| {
        let mut sizes = vec![0u32; teams];
        let mut totals = vec![0i64; teams];
        let mut members: Vec<Vec<Uuid>> = vec![Vec::new(); teams];
        for ticket in &order {
            let team = (0..teams)
                .filter(|&t| sizes[t] + ticket.party_size <= caps[t])
                .min_by_key(|&t| (totals[t], sizes[t], t))?;
            sizes[team] += ticket.party_size;
            totals[team] += i64::from(ticket.rating) * i64::from(ticket.party_size);
            members[team].push(ticket.ticket_id);
        }
        sizes
            .iter()
            .all(|&size| size >= mode.min_team_size)
            .then_some(members)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::Duration;

    use super::*;

    fn skirmish() -> ModeRules {
        ModeRules {
            teams: 2,
            min_team_size: 2,
            max_team_size: 3,
        }
    }

    fn ticket(rating: i32, party_size: u32, at: DateTime<Utc>) -> Candidate {
        Candidate {
            ticket_id: Uuid::now_v7(),
            rating,
            party_size,
            created_at: at,
        }
    }

    #[test]
    fn windows_widen_with_waiting_up_to_the_cap() {
        let rules = MatchmakingRules::default();
        assert_eq!(rules.window_after(0), 100);
        assert_eq!(rules.window_after(-5_000), 100);
        assert_eq!(rules.window_after(2_000), 200);
        assert_eq!(rules.window_after(600_000), 1000);
    }

    #[test]
    fn two_bands_make_two_matches_of_their_own() {
        let now = Utc::now();
        let rules = MatchmakingRules::default();
        let mut tickets = Vec::new();
        for i in 0..5 {
            tickets.push(ticket(980 + i * 10, 1, now));
            tickets.push(ticket(1580 + i * 10, 1, now));
        }
        let matches = plan(&tickets, &skirmish(), &rules, now);
        assert_eq!(matches.len(), 2);
        let mut seen = HashSet::new();
        for planned in &matches {
            let ratings: Vec<i32> = planned
                .teams
                .iter()
                .flatten()
                .map(|id| {
                    assert!(seen.insert(*id), "a ticket is in one match only");
                    tickets
                        .iter()
                        .find(|t| t.ticket_id == *id)
                        .expect("known")
                        .rating
                })
                .collect();
            assert_eq!(ratings.len(), 5);
            let spread = ratings.iter().max().expect("some") - ratings.iter().min().expect("some");
            assert!(spread <= 100, "one band per match: {ratings:?}");
        }
    }

    #[test]
    fn a_match_prefers_the_most_players() {
        let now = Utc::now();
        let tickets: Vec<Candidate> = (0..8).map(|i| ticket(1000 + i, 1, now)).collect();
        let matches = plan(&tickets, &skirmish(), &MatchmakingRules::default(), now);
        // Six fill the first match; the two left are too few for a second.
        assert_eq!(matches.len(), 1);
        assert_eq!(matches[0].teams.iter().map(Vec::len).sum::<usize>(), 6);
    }

    #[test]
    fn an_outlier_waits_until_the_windows_meet() {
        let start = Utc::now();
        let rules = MatchmakingRules::default();
        let duel = ModeRules {
            teams: 2,
            min_team_size: 1,
            max_team_size: 1,
        };
        let tickets = [ticket(1000, 1, start), ticket(1300, 1, start)];
        assert!(plan(&tickets, &duel, &rules, start).is_empty());
        assert!(plan(&tickets, &duel, &rules, start + Duration::seconds(3)).is_empty());
        assert_eq!(
            plan(&tickets, &duel, &rules, start + Duration::seconds(4)).len(),
            1
        );
    }

    #[test]
    fn parties_stay_together_and_teams_balance() {
        let now = Utc::now();
        let party = ticket(1000, 2, now);
        let solos = [
            ticket(1050, 1, now),
            ticket(1020, 1, now),
            ticket(990, 1, now),
            ticket(960, 1, now),
        ];
        let mut tickets = vec![party];
        tickets.extend(solos);
        let matches = plan(&tickets, &skirmish(), &MatchmakingRules::default(), now);
        assert_eq!(matches.len(), 1);
        let teams = &matches[0].teams;
        let size = |team: &Vec<Uuid>| -> u32 {
            team.iter()
                .map(|id| {
                    tickets
                        .iter()
                        .find(|t| t.ticket_id == *id)
                        .expect("known")
                        .party_size
                })
                .sum()
        };
        assert_eq!(teams.iter().map(size).collect::<Vec<_>>(), vec![3, 3]);
        assert_eq!(
            teams
                .iter()
                .filter(|team| team.contains(&party.ticket_id))
                .count(),
            1
        );
    }

    #[test]
    fn parties_that_cannot_be_split_evenly_use_uneven_teams() {
        let now = Utc::now();
        // 2 + 2 + 1: even caps are 3 + 2, which fits 2+1 and 2.
        let tickets = [
            ticket(1000, 2, now),
            ticket(1000, 2, now),
            ticket(1000, 1, now),
        ];
        let refs: Vec<&Candidate> = tickets.iter().collect();
        let teams = assign_teams(&refs, &skirmish()).expect("fits");
        assert_eq!(teams.iter().map(Vec::len).collect::<Vec<_>>().len(), 2);
        // 3 + 3 + ... a party of three on each side, nothing else.
        let tickets = [ticket(1000, 3, now), ticket(1000, 3, now)];
        let refs: Vec<&Candidate> = tickets.iter().collect();
        assert_eq!(assign_teams(&refs, &skirmish()).map(|t| t.len()), Some(2));
        // Two parties of three and a solo cannot fit (7 players).
        let tickets = [
            ticket(1000, 3, now),
            ticket(1000, 3, now),
            ticket(1000, 1, now),
        ];
        let refs: Vec<&Candidate> = tickets.iter().collect();
        assert!(assign_teams(&refs, &skirmish()).is_none());
    }
}
