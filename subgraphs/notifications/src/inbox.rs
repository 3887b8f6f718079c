//! Which domain events become which notifications: a pure mapping from an event to the
//! inbox entries it creates (none for events nobody needs to hear about).

use serde_json::{json, Value};
use subgraph_kit::events::EventEnvelope;
use uuid::Uuid;

/// An inbox entry to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// The recipient account.
    pub user_id: Uuid,
    /// What kind.
    pub code: &'static str,
    /// One line for lists.
    pub subject: String,
    /// Details for the client (ids to act on).
    pub content: Value,
    /// The actor who caused it; none for the system.
    pub sender_actor_id: Option<Uuid>,
}

fn uuid(payload: &Value, field: &str) -> Option<Uuid> {
    payload[field].as_str()?.parse().ok()
}

fn text<'a>(payload: &'a Value, field: &str, fallback: &'a str) -> &'a str {
    payload[field].as_str().unwrap_or(fallback)
}

/// The notifications `event` creates.
pub fn notifications_for(event: &EventEnvelope) -> Vec<NewNotification> {
    let p = &event.payload;
    let guild = text(p, "guildName", "your guild");
    let one = |user_id: Option<Uuid>, code, subject: String, content: Value, sender| {
        user_id
            .map(|user_id| NewNotification {
                user_id,
                code,
                subject,
                content,
                sender_actor_id: sender,
            })
            .into_iter()
            .collect()
    };
    match event.event_type.as_str() {
        "guild.invitation_created" => one(
            uuid(p, "inviteeUserId"),
            "GUILD_INVITATION",
            format!(
                "{} invited {} to join {guild}",
                text(p, "inviterName", "A guild member"),
                text(p, "inviteeName", "your character"),
            ),
            json!({
                "invitationId": p["invitationId"], "guildId": p["guildId"], "guildName": p["guildName"],
                "inviteeActorId": p["inviteeActorId"], "inviterActorId": p["inviterActorId"],
                "expiresAt": p["expiresAt"],
            }),
            uuid(p, "inviterActorId"),
        ),
        "guild.member_left" => {
            let content = json!({ "guildId": p["guildId"], "guildName": p["guildName"], "actorId": p["actorId"], "byActorId": p["byActorId"] });
            match p["reason"].as_str() {
                Some("KICKED") => one(
                    uuid(p, "userId"),
                    "GUILD_KICKED",
                    format!("Your character was removed from {guild}"),
                    content,
                    uuid(p, "byActorId"),
                ),
                // The member who disbanded knows already.
                Some("DISBANDED") if p["byActorId"] != p["actorId"] => one(
                    uuid(p, "userId"),
                    "GUILD_DISBANDED",
                    format!("{guild} was disbanded"),
                    content,
                    uuid(p, "byActorId"),
                ),
                _ => Vec::new(),
            }
        }
        "guild.join_request_decided" => {
            let approved = p["approved"].as_bool().unwrap_or(false);
            one(
                uuid(p, "userId"),
                if approved {
                    "GUILD_JOIN_REQUEST_APPROVED"
                } else {
                    "GUILD_JOIN_REQUEST_REJECTED"
                },
                if approved {
                    format!("Your request to join {guild} was approved")
                } else {
                    format!("Your request to join {guild} was declined")
                },
                json!({ "requestId": p["requestId"], "guildId": p["guildId"], "guildName": p["guildName"], "actorId": p["actorId"] }),
                uuid(p, "byActorId"),
            )
        }
        // Players watching the conversation see the message live; the inbox is for
        // the others.
        "chat.direct_message_sent" if p["recipientWatching"] != Value::Bool(true) => one(
            uuid(p, "recipientUserId"),
            "DIRECT_MESSAGE",
            format!(
                "New message from {}",
                text(p, "senderName", "another player")
            ),
            json!({
                "messageId": p["messageId"], "channelId": p["channelId"], "senderActorId": p["senderActorId"],
                "recipientActorId": p["recipientActorId"], "preview": p["preview"],
            }),
            uuid(p, "senderActorId"),
        ),
        "chat.mentioned" => one(
            uuid(p, "mentionedUserId"),
            "MENTION",
            format!(
                "{} mentioned {}",
                text(p, "senderName", "another player"),
                text(p, "mentionedName", "your character"),
            ),
            json!({
                "messageId": p["messageId"], "channelId": p["channelId"], "senderActorId": p["senderActorId"],
                "mentionedActorId": p["mentionedActorId"], "preview": p["preview"],
            }),
            uuid(p, "senderActorId"),
        ),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_notifies_the_invitee() {
        let invitee = Uuid::new_v4();
        let inviter_actor = Uuid::new_v4();
        let event = EventEnvelope::new(
            "guild.invitation_created",
            Uuid::new_v4(),
            json!({
                "invitationId": Uuid::new_v4(), "guildName": "Iron Wolves", "inviterName": "Ayla",
                "inviteeName": "Bram", "inviteeUserId": invitee, "inviterActorId": inviter_actor,
            }),
        );
        let [notification] = notifications_for(&event)
            .try_into()
            .expect("one notification");
        assert_eq!(notification.user_id, invitee);
        assert_eq!(notification.code, "GUILD_INVITATION");
        assert_eq!(
            notification.subject,
            "Ayla invited Bram to join Iron Wolves"
        );
        assert_eq!(notification.sender_actor_id, Some(inviter_actor));
    }

    #[test]
    fn direct_messages_notify_only_recipients_not_watching() {
        let message = |watching: bool| {
            EventEnvelope::new(
                "chat.direct_message_sent",
                "dm:x",
                json!({ "recipientUserId": Uuid::new_v4(), "senderName": "Ayla", "recipientWatching": watching }),
            )
        };
        assert_eq!(notifications_for(&message(false)).len(), 1);
        assert!(notifications_for(&message(true)).is_empty());
    }

    #[test]
    fn only_kicks_and_disbands_notify_departures() {
        let left = |reason: &str, by: Value, actor: Value| {
            EventEnvelope::new(
                "guild.member_left",
                "g",
                json!({ "userId": Uuid::new_v4(), "reason": reason, "byActorId": by, "actorId": actor }),
            )
        };
        let officer = json!(Uuid::new_v4());
        let member = json!(Uuid::new_v4());
        assert_eq!(
            notifications_for(&left("KICKED", officer.clone(), member.clone()))[0].code,
            "GUILD_KICKED"
        );
        assert_eq!(
            notifications_for(&left("DISBANDED", officer.clone(), member.clone()))[0].code,
            "GUILD_DISBANDED"
        );
        assert!(notifications_for(&left("DISBANDED", officer.clone(), officer)).is_empty());
        assert!(notifications_for(&left("LEFT", Value::Null, member)).is_empty());
    }

    #[test]
    fn unknown_events_and_missing_recipients_notify_nobody() {
        assert!(notifications_for(&EventEnvelope::new("actor.created", "a", json!({}))).is_empty());
        assert!(notifications_for(&EventEnvelope::new(
            "guild.invitation_created",
            "g",
            json!({})
        ))
        .is_empty());
    }
}
