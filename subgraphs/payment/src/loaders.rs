//! Per-request DataLoaders: the products of a page of purchases (or of N `StoreProduct`
//! representations) become one query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use subgraph_kit::dataloader::LoadError;
use subgraph_kit::KitError;

use crate::catalog::{self, Product};
use crate::error::PaymentError;

/// Adds fresh loaders to a request's data.
pub fn attach(data: &mut async_graphql::Data, db: &DatabaseConnection) {
    data.insert(DataLoader::new(ProductsById(db.clone()), tokio::spawn));
}

/// Store products by id, on sale or not.
pub struct ProductsById(DatabaseConnection);

impl Loader<String> for ProductsById {
    type Value = Product;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        catalog::products_by_ids(&self.0, keys)
            .await
            .map_err(|err| {
                Arc::new(match err {
                    PaymentError::Kit(err) => err,
                    other => KitError::Internal(other.to_string()),
                })
            })
    }
}
