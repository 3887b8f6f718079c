//! Channel ids and message text, without I/O. A channel id names its kind:
//!
//! | id | who reads and writes |
//! |---|---|
//! | `global` | actors that joined it |
//! | `zone:<zone>` (`[a-z0-9_-]{1,48}`) | actors that joined it |
//! | `party:<uuid>` | actors that joined it |
//! | `guild:<guild uuid>` | the guild's members (from guild events) |
//! | `dm:<actor uuid>:<actor uuid>` (ids sorted) | the two actors |

use uuid::Uuid;

/// The kind of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ChannelKind {
    /// Everyone who joined.
    Global,
    /// One zone's local chat.
    Zone,
    /// A party's chat.
    Party,
    /// A guild's members.
    Guild,
    /// Two actors.
    Direct,
}

impl ChannelKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ChannelKind::Global => "GLOBAL",
            ChannelKind::Zone => "ZONE",
            ChannelKind::Party => "PARTY",
            ChannelKind::Guild => "GUILD",
            ChannelKind::Direct => "DIRECT",
        }
    }
}

/// A parsed channel id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// `global`.
    Global,
    /// `zone:<zone>`.
    Zone(String),
    /// `party:<uuid>`.
    Party(Uuid),
    /// `guild:<uuid>`.
    Guild(Uuid),
    /// `dm:<a>:<b>` with `a < b`.
    Direct(Uuid, Uuid),
}

impl Channel {
    /// Parses a channel id; anything else is an error message for the client.
    pub fn parse(id: &str) -> Result<Self, String> {
        let invalid =
            || format!("`{id}` is not a channel id (global, zone:…, party:…, guild:…, dm:…:…)");
        let uuid = |s: &str| s.parse::<Uuid>().map_err(|_| invalid());
        if id == "global" {
            return Ok(Channel::Global);
        }
        let (kind, rest) = id.split_once(':').ok_or_else(invalid)?;
        match kind {
            "zone" if valid_zone(rest) => Ok(Channel::Zone(rest.to_string())),
            "party" => Ok(Channel::Party(uuid(rest)?)),
            "guild" => Ok(Channel::Guild(uuid(rest)?)),
            "dm" => {
                let (a, b) = rest.split_once(':').ok_or_else(invalid)?;
                let (a, b) = (uuid(a)?, uuid(b)?);
                if a == b {
                    return Err("a direct channel joins two different actors".into());
                }
                Ok(Channel::direct(a, b))
            }
            _ => Err(invalid()),
        }
    }

    /// The direct channel between two actors (in either order).
    pub fn direct(a: Uuid, b: Uuid) -> Self {
        if a < b {
            Channel::Direct(a, b)
        } else {
            Channel::Direct(b, a)
        }
    }

    /// The canonical id.
    pub fn id(&self) -> String {
        match self {
            Channel::Global => "global".to_string(),
            Channel::Zone(zone) => format!("zone:{zone}"),
            Channel::Party(id) => format!("party:{id}"),
            Channel::Guild(id) => format!("guild:{id}"),
            Channel::Direct(a, b) => format!("dm:{a}:{b}"),
        }
    }

    /// The kind.
    pub fn kind(&self) -> ChannelKind {
        match self {
            Channel::Global => ChannelKind::Global,
            Channel::Zone(_) => ChannelKind::Zone,
            Channel::Party(_) => ChannelKind::Party,
            Channel::Guild(_) => ChannelKind::Guild,
            Channel::Direct(..) => ChannelKind::Direct,
        }
    }

    /// For a direct channel, the participant other than `actor_id`.
    pub fn other_participant(&self, actor_id: Uuid) -> Option<Uuid> {
        match *self {
            Channel::Direct(a, b) if a == actor_id => Some(b),
            Channel::Direct(a, b) if b == actor_id => Some(a),
            _ => None,
        }
    }
}

fn valid_zone(zone: &str) -> bool {
    (1..=48).contains(&zone.len())
        && zone
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Why a message text is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but whitespace.
    Empty,
    /// Longer than allowed.
    TooLong,
}

/// Trims a message and checks its length; control characters other than newlines are
/// removed.
pub fn clean_text(text: &str, max_chars: usize) -> Result<String, TextError> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    if cleaned.is_empty() {
        return Err(TextError::Empty);
    }
    if cleaned.chars().count() > max_chars {
        return Err(TextError::TooLong);
    }
    Ok(cleaned)
}

/// The actor names mentioned as `@Name` (letters, digits, `_`, `-`), lower-cased,
/// without duplicates, at most `limit`.
pub fn mentions(text: &str, limit: usize) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace()) {
        let Some(name) = word.strip_prefix('@') else {
            continue;
        };
        let name: String = name
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect::<String>()
            .to_lowercase();
        if !name.is_empty() && !found.contains(&name) {
            found.push(name);
        }
        if found.len() == limit {
            break;
        }
    }
    found
}

/// The first characters of a message, for notifications.
pub fn preview(text: &str) -> String {
    const PREVIEW_CHARS: usize = 80;
    let mut preview: String = text.chars().take(PREVIEW_CHARS).collect();
    if text.chars().count() > PREVIEW_CHARS {
        preview.push('…');
    }
    preview
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_round_trip_and_direct_ones_are_canonical() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        for channel in [
            Channel::Global,
            Channel::Zone("emerald-coast".into()),
            Channel::Party(a),
            Channel::Guild(b),
            Channel::direct(a, b),
        ] {
            assert_eq!(Channel::parse(&channel.id()), Ok(channel));
        }
        assert_eq!(Channel::direct(a, b), Channel::direct(b, a));
        assert_eq!(
            Channel::parse(&format!("dm:{b}:{a}")).map(|c| c.id()),
            Ok(Channel::direct(a, b).id())
        );
        assert_eq!(Channel::direct(a, b).other_participant(a), Some(b));
        assert_eq!(
            Channel::direct(a, b).other_participant(Uuid::new_v4()),
            None
        );
    }

    #[test]
    fn malformed_channel_ids_are_refused() {
        let a = Uuid::new_v4();
        for id in [
            "",
            "Global",
            "zone:",
            "zone:Upper",
            "guild:nope",
            "dm:x:y",
            &format!("dm:{a}:{a}"),
            "raid:1",
        ] {
            assert!(Channel::parse(id).is_err(), "{id} should be refused");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            clean_text("  hi\u{7} there ", 10),
            Ok("hi there".to_string())
        );
        assert_eq!(clean_text("   ", 10), Err(TextError::Empty));
        assert_eq!(clean_text(&"é".repeat(11), 10), Err(TextError::TooLong));
        assert_eq!(
            clean_text(&"é".repeat(10), 10).map(|t| t.chars().count()),
            Ok(10)
        );
    }

    #[test]
    fn mentions_are_found_once_each() {
        assert_eq!(
            mentions("hey @Ayla and @bram, @ayla again @ @x!", 10),
            vec!["ayla", "bram", "x"]
        );
        assert_eq!(mentions("@a @b @c", 2), vec!["a", "b"]);
        assert!(mentions("mail me at a@b.c", 5).is_empty());
    }
}
