//! Per-request DataLoaders: `Actor.guild` / `Actor.guildRole` for N entity
//! representations become one query each.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use subgraph_kit::dataloader::LoadError;
use uuid::Uuid;

use entities::guild::guild;

use crate::service::{self, Membership};

/// Adds fresh loaders to a request's (or WebSocket connection's) data.
pub fn attach(data: &mut async_graphql::Data, db: &DatabaseConnection) {
    data.insert(DataLoader::new(MembershipByActor(db.clone()), tokio::spawn));
    data.insert(DataLoader::new(GuildsById(db.clone()), tokio::spawn));
    data.insert(DataLoader::new(MemberCounts(db.clone()), tokio::spawn));
}

/// An actor's membership and role.
pub struct MembershipByActor(DatabaseConnection);
/// Guilds by id.
pub struct GuildsById(DatabaseConnection);
/// Member count of each guild.
pub struct MemberCounts(DatabaseConnection);

impl Loader<Uuid> for MembershipByActor {
    type Value = Membership;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        service::memberships_by_actor_ids(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

impl Loader<Uuid> for GuildsById {
    type Value = guild::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        service::guilds_by_ids(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

impl Loader<Uuid> for MemberCounts {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        service::member_counts(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}
