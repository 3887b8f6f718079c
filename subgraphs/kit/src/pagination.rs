//! Cursor pagination. A cursor names a row by `(timestamp, id)`, which is stable while
//! rows are inserted or deleted around it (unlike offsets). Cursors are opaque to
//! clients: base64url of `"<millis>:<uuid>"`.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::error::KitError;

/// A position in a list ordered by `(at_ms, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// The row's ordering timestamp, in milliseconds since the epoch.
    pub at_ms: i64,
    /// The row's id, breaking ties between equal timestamps.
    pub id: Uuid,
}

impl Cursor {
    /// The opaque string handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.at_ms, self.id))
    }

    /// Parses [`Cursor::encode`]; anything else is `BAD_USER_INPUT`.
    pub fn decode(cursor: &str) -> Result<Self, KitError> {
        let invalid = || KitError::BadUserInput("invalid cursor".to_string());
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (at, id) = text.split_once(':').ok_or_else(invalid)?;
        Ok(Cursor {
            at_ms: at.parse().map_err(|_| invalid())?,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

/// A GraphQL connection page. Callers fetch up to `limit + 1` rows after their cursor
/// (`after_cursor`: whether there was one); the extra row only tells that a next page
/// exists and is not returned.
pub fn forward_page<T, N: async_graphql::OutputType>(
    mut rows: Vec<T>,
    limit: u64,
    after_cursor: bool,
    cursor: impl Fn(&T) -> Cursor,
    node: impl Fn(T) -> N,
) -> Connection<String, N, EmptyFields, EmptyFields> {
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut connection = Connection::new(after_cursor, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|row| Edge::new(cursor(&row).encode(), node(row))),
    );
    connection
}

/// Now, truncated to whole milliseconds. Rows that cursors name must store their
/// ordering timestamp at this precision, or a cursor (which carries milliseconds) would
/// not find its own row again.
pub fn cursor_time() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

/// Which side of a cursor a page reads, in `(timestamp, id)` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Rows after the cursor.
    After,
    /// Rows before the cursor.
    Before,
}

impl Cursor {
    /// The filter keeping the rows strictly on `side` of this cursor, where `at` holds
    /// the row's timestamp (stored at millisecond precision, see [`cursor_time`]) and
    /// `id` breaks ties.
    pub fn condition<A: ColumnTrait, I: ColumnTrait>(
        &self,
        at: A,
        id: I,
        side: Side,
    ) -> Result<Condition, KitError> {
        let time = chrono::DateTime::from_timestamp_millis(self.at_ms)
            .ok_or_else(|| KitError::BadUserInput("invalid cursor".to_string()))?;
        let (beyond, tie) = match side {
            Side::After => (at.gt(time), id.gt(self.id)),
            Side::Before => (at.lt(time), id.lt(self.id)),
        };
        Ok(Condition::any()
            .add(beyond)
            .add(Condition::all().add(at.eq(time)).add(tie)))
    }
}

/// Bounds on page sizes.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    /// Used when the client gives no size.
    pub default: u64,
    /// The largest page a client may ask for.
    pub max: u64,
}

impl PageLimits {
    /// The page size for a client's `first`/`last`, or `BAD_USER_INPUT` outside `1..=max`.
    pub fn size(&self, requested: Option<i32>) -> Result<u64, KitError> {
        match requested {
            None => Ok(self.default),
            Some(n) if n >= 1 && (n as u64) <= self.max => Ok(n as u64),
            Some(n) => Err(KitError::BadUserInput(format!(
                "page size {n} is outside 1..={}",
                self.max
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            at_ms: 1_700_000_000_123,
            id: Uuid::new_v4(),
        };
        assert_eq!(
            Cursor::decode(&cursor.encode()).expect("round trips"),
            cursor
        );
        assert!(matches!(
            Cursor::decode("not a cursor"),
            Err(KitError::BadUserInput(_))
        ));
        assert!(matches!(
            Cursor::decode(&URL_SAFE_NO_PAD.encode("12:nope")),
            Err(KitError::BadUserInput(_))
        ));
    }

    #[test]
    fn page_sizes_are_bounded() {
        let limits = PageLimits {
            default: 20,
            max: 100,
        };
        assert_eq!(limits.size(None).expect("default"), 20);
        assert_eq!(limits.size(Some(100)).expect("max"), 100);
        assert!(limits.size(Some(0)).is_err());
        assert!(limits.size(Some(101)).is_err());
        assert!(limits.size(Some(-3)).is_err());
    }
}
