//! Per-request DataLoaders: N `LiveEvent` representations become one query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use subgraph_kit::dataloader::LoadError;
use subgraph_kit::KitError;

use entities::live_events::live_event;

/// Adds fresh loaders to a request's data.
pub fn attach(data: &mut async_graphql::Data, db: &DatabaseConnection) {
    data.insert(DataLoader::new(LiveEventsById(db.clone()), tokio::spawn));
}

/// Live events by id.
pub struct LiveEventsById(DatabaseConnection);

impl Loader<String> for LiveEventsById {
    type Value = live_event::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = live_event::Entity::find()
            .filter(live_event::Column::Id.is_in(keys.iter().cloned()))
            .all(&self.0)
            .await
            .map_err(|err| Arc::new(KitError::Database(err)))?;
        Ok(rows.into_iter().map(|row| (row.id.clone(), row)).collect())
    }
}
