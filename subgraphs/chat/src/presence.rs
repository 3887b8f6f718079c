//! Who is watching which channel on this replica right now (an open `messageAdded`
//! subscription). A direct message to a player who is watching needs no inbox
//! notification. With several chat replicas a player watching through another replica
//! counts as not watching here, so they get a notification too: the safe side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

type Key = (Uuid, String);

/// Open subscriptions per (account, channel).
#[derive(Clone, Default)]
pub struct Presence(Arc<Mutex<HashMap<Key, usize>>>);

impl Presence {
    /// Records that `user_id` watches `channel_id` until the guard is dropped.
    pub fn watch(&self, user_id: Uuid, channel_id: &str) -> Watching {
        let key = (user_id, channel_id.to_string());
        *self
            .0
            .lock()
            .expect("the presence lock is never held across a panic")
            .entry(key.clone())
            .or_insert(0) += 1;
        Watching {
            presence: self.clone(),
            key,
        }
    }

    /// Whether `user_id` watches `channel_id` on this replica.
    pub fn is_watching(&self, user_id: Uuid, channel_id: &str) -> bool {
        self.0
            .lock()
            .expect("the presence lock is never held across a panic")
            .contains_key(&(user_id, channel_id.to_string()))
    }
}

/// One open subscription; dropping it ends the watch.
pub struct Watching {
    presence: Presence,
    key: Key,
}

impl Drop for Watching {
    fn drop(&mut self) {
        let mut watching = self
            .presence
            .0
            .lock()
            .expect("the presence lock is never held across a panic");
        if let Some(count) = watching.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                watching.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watching_lasts_as_long_as_any_subscription() {
        let presence = Presence::default();
        let user = Uuid::new_v4();
        let first = presence.watch(user, "global");
        let second = presence.watch(user, "global");
        assert!(presence.is_watching(user, "global"));
        assert!(!presence.is_watching(user, "zone:x"));
        drop(first);
        assert!(presence.is_watching(user, "global"));
        drop(second);
        assert!(!presence.is_watching(user, "global"));
    }
}
