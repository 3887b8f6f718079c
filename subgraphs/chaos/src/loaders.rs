//! Per-request DataLoaders. async-graphql resolves entity representations and list
//! items concurrently; each loader gathers the keys of one tick into one query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use subgraph_kit::dataloader::LoadError;
use uuid::Uuid;

use entities::chaos::{actor, actor_skill, skill_definition};

use crate::service::{self, Loadout};

/// Adds fresh loaders to a request's (or WebSocket connection's) data.
pub fn attach(data: &mut async_graphql::Data, db: &DatabaseConnection) {
    data.insert(DataLoader::new(ActorsById(db.clone()), tokio::spawn));
    data.insert(DataLoader::new(ActorsByUser(db.clone()), tokio::spawn));
    data.insert(DataLoader::new(SkillsByActor(db.clone()), tokio::spawn));
    data.insert(DataLoader::new(LoadoutByActor(db.clone()), tokio::spawn));
}

/// Actors by id.
pub struct ActorsById(DatabaseConnection);
/// Actors of each user.
pub struct ActorsByUser(DatabaseConnection);
/// Learned skills of each actor.
pub struct SkillsByActor(DatabaseConnection);
/// Equipment and running buffs of each actor.
pub struct LoadoutByActor(DatabaseConnection);

impl Loader<Uuid> for ActorsById {
    type Value = actor::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        service::actors_by_ids(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

impl Loader<Uuid> for ActorsByUser {
    type Value = Vec<actor::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        service::actors_by_user_ids(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

impl Loader<Uuid> for SkillsByActor {
    type Value = Vec<(actor_skill::Model, skill_definition::Model)>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        service::skills_by_actor_ids(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

impl Loader<Uuid> for LoadoutByActor {
    type Value = Loadout;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        crate::items::loadouts(&self.0, keys, service::now_ms())
            .await
            .map_err(Arc::new)
    }
}
