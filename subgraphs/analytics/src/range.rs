//! The time range of an aggregate, and reading the raw events inside it.
//!
//! The document store filters by equality only, so a range is read one UTC day at a
//! time (`day` field, plus `type` where the aggregate needs one event type) and the
//! edges are trimmed by timestamp here. Every event of the range passes through this
//! process: fine for a game's first months, but a busy game would want pre-aggregated
//! daily rollups (or MongoDB aggregation pipelines with indexes on `day`/`type`)
//! instead of scanning raw events per request.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use subgraph_kit::documents::{DocumentStore, Query};

use crate::error::{bad_input, AnalyticsError};
use crate::ingest::{RawEvent, RAW_EVENTS};

/// The range when the client names none: the last 30 days.
pub const DEFAULT_DAYS: i64 = 30;

/// The longest range one request may scan.
pub const MAX_DAYS: i64 = 366;

/// `[from, to)`, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Inclusive start.
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub to: DateTime<Utc>,
}

impl TimeRange {
    /// The range the client asked for, defaulting `to` to `now` and `from` to 30 days
    /// before `to`; `BAD_USER_INPUT` when empty or longer than [`MAX_DAYS`].
    pub fn resolve(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, AnalyticsError> {
        let to = to.unwrap_or(now);
        let from = from.unwrap_or(to - Duration::days(DEFAULT_DAYS));
        if from >= to {
            return Err(bad_input("`from` must be before `to`"));
        }
        if to - from > Duration::days(MAX_DAYS) {
            return Err(bad_input(format!("a range covers at most {MAX_DAYS} days")));
        }
        Ok(Self { from, to })
    }

    /// Whether `at` lies inside.
    pub fn contains(&self, at_ms: i64) -> bool {
        (self.from.timestamp_millis()..self.to.timestamp_millis()).contains(&at_ms)
    }

    /// Every UTC day the range touches, in order.
    pub fn days(&self) -> Vec<NaiveDate> {
        let last = (self.to - Duration::milliseconds(1)).date_naive();
        self.from
            .date_naive()
            .iter_days()
            .take_while(|day| *day <= last)
            .collect()
    }
}

/// The raw events inside `range`, of `event_type` when given, oldest day first.
pub async fn events_in(
    store: &dyn DocumentStore,
    range: &TimeRange,
    event_type: Option<&str>,
) -> Result<Vec<RawEvent>, AnalyticsError> {
    let mut events = Vec::new();
    for day in range.days() {
        let mut query = Query::all().eq("day", day.format("%Y-%m-%d").to_string());
        if let Some(event_type) = event_type {
            query = query.eq("type", event_type);
        }
        for document in store.find(RAW_EVENTS, &query).await? {
            match serde_json::from_value::<RawEvent>(document.body) {
                Ok(event) if range.contains(event.occurred_at_ms) => events.push(event),
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(id = %document.id, cause = %err, "unreadable raw event skipped");
                }
            }
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .expect("a valid time")
    }

    #[test]
    fn ranges_default_to_the_last_30_days_and_are_bounded() {
        let now = at(25, 12);
        let range = TimeRange::resolve(None, None, now).expect("valid");
        assert_eq!(range.to, now);
        assert_eq!(range.from, now - Duration::days(30));
        assert_eq!(range.days().len(), 31);
        assert!(TimeRange::resolve(Some(now), Some(now), now).is_err());
        assert!(TimeRange::resolve(Some(now - Duration::days(400)), None, now).is_err());
    }

    #[test]
    fn days_cover_the_range_and_nothing_past_it() {
        let range = TimeRange::resolve(Some(at(1, 12)), Some(at(3, 0)), at(25, 0)).expect("valid");
        let days: Vec<String> = range.days().iter().map(|d| d.to_string()).collect();
        assert_eq!(days, ["2026-11-01", "2026-11-02"]);
        assert!(range.contains(at(2, 23).timestamp_millis()));
        assert!(!range.contains(at(3, 0).timestamp_millis()));
        assert!(!range.contains(at(1, 11).timestamp_millis()));
    }
}
