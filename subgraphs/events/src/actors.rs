//! Whether an actor belongs to the viewer: players act for their own actors only. In
//! production chaos answers ([`ActorDirectory`]); tests plug in their own answer.

use futures_util::future::BoxFuture;
use subgraph_kit::auth::Viewer;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::KitError;
use uuid::Uuid;

/// Checks actor ownership.
pub trait ActorOwnership: Send + Sync {
    /// `Ok` when `viewer` owns `actor_id`; `NOT_FOUND` for no such actor, `FORBIDDEN`
    /// for someone else's.
    fn check_owned<'a>(
        &'a self,
        actor_id: Uuid,
        viewer: &'a Viewer,
    ) -> BoxFuture<'a, Result<(), KitError>>;
}

impl ActorOwnership for ActorDirectory {
    fn check_owned<'a>(
        &'a self,
        actor_id: Uuid,
        viewer: &'a Viewer,
    ) -> BoxFuture<'a, Result<(), KitError>> {
        Box::pin(async move { self.owned_by(actor_id, viewer).await.map(|_| ()) })
    }
}
