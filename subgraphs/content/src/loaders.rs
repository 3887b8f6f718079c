//! Per-request DataLoaders: N entity representations (or N single-definition queries
//! in one request) become one read of the published definitions.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use subgraph_kit::dataloader::LoadError;
use subgraph_kit::documents::DocumentStore;
use subgraph_kit::KitError;

use crate::error::ContentError;
use crate::service::{self, Version};

/// Adds fresh loaders to a request's (or WebSocket connection's) data.
pub fn attach(data: &mut async_graphql::Data, store: &Arc<dyn DocumentStore>) {
    data.insert(DataLoader::new(PublishedByKey(store.clone()), tokio::spawn));
}

/// Published definitions by key (`<KIND>:<id>`).
pub struct PublishedByKey(Arc<dyn DocumentStore>);

impl Loader<String> for PublishedByKey {
    type Value = Version;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Version>, Self::Error> {
        service::published_by_keys(self.0.as_ref(), keys)
            .await
            .map_err(|err| {
                Arc::new(match err {
                    ContentError::Kit(kit) => kit,
                    other => KitError::Internal(other.to_string()),
                })
            })
    }
}
