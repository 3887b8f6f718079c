//! What every service's DataLoaders share: the error type and the lookup of a loader
//! in the request's data.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;

use crate::error::KitError;

/// Loader failures are shared between every waiter, so they must be cloneable.
pub type LoadError = Arc<KitError>;

/// The request's `DataLoader<T>`. Every entry point (HTTP and WebSocket) attaches the
/// service's loaders, so a miss is a wiring bug, reported as internal.
pub fn loader<'a, T: Send + Sync + 'static>(
    ctx: &Context<'a>,
) -> Result<&'a DataLoader<T>, KitError> {
    ctx.data::<DataLoader<T>>()
        .map_err(|_| KitError::Internal("data loader missing from request data".to_string()))
}

/// A shared loader failure as the resolver's error.
pub fn load_failed(err: LoadError) -> KitError {
    KitError::Internal(err.to_string())
}
