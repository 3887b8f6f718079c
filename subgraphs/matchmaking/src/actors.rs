//! Who actors are and who owns them. In production chaos answers
//! ([`ActorDirectory`]); tests plug in their own answer.

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use subgraph_kit::auth::Viewer;
use subgraph_kit::directory::{ActorDirectory, ActorSummary};
use subgraph_kit::KitError;
use uuid::Uuid;

/// Looks actors up.
pub trait ActorLookup: Send + Sync {
    /// The actors among `ids` that exist, by id.
    fn find<'a>(
        &'a self,
        ids: &'a [Uuid],
    ) -> BoxFuture<'a, Result<HashMap<Uuid, ActorSummary>, KitError>>;
}

impl ActorLookup for ActorDirectory {
    fn find<'a>(
        &'a self,
        ids: &'a [Uuid],
    ) -> BoxFuture<'a, Result<HashMap<Uuid, ActorSummary>, KitError>> {
        Box::pin(ActorDirectory::find(self, ids))
    }
}

/// The actor `id` if `viewer` owns it; `NOT_FOUND` for no such actor, `FORBIDDEN` for
/// someone else's.
pub async fn owned_by(
    actors: &dyn ActorLookup,
    id: Uuid,
    viewer: &Viewer,
) -> Result<ActorSummary, KitError> {
    let actor = actors
        .find(&[id])
        .await?
        .remove(&id)
        .ok_or(KitError::NotFound("actor"))?;
    if actor.user_id != viewer.user_id {
        return Err(KitError::Forbidden("the actor belongs to another player"));
    }
    Ok(actor)
}
