//! Document storage: JSON documents in named collections, each with a revision, read by
//! id or by a simple query and written in atomic batches. Content definitions live here
//! (and raw analytics events later); MongoDB in production, SQLite embedded.
//!
//! - [`DocumentStore`]: the contract. [`DocumentStore::commit`] applies several
//!   [`Write`]s all or nothing; inserts of an existing id and writes expecting another
//!   revision fail with [`DocumentError::Conflict`], so concurrent read-modify-write
//!   cycles on one document never lose an update (optimistic concurrency).
//! - [`SqlDocumentStore`]: the embedded default, one `documents` table in SQLite.
//! - [`MongoDocumentStore`]: MongoDB (one collection per collection, multi-document
//!   transactions).
//! - [`connect`]: the store a URL names (`sqlite://…` or `mongodb://…`).
//! - [`outbox`]: a transactional outbox inside the store, relayed to the event bus.

mod mongo;
pub mod outbox;
mod sql;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;

use crate::secret::Secret;
use crate::server::ReadyCheck;

pub use mongo::MongoDocumentStore;
pub use sql::SqlDocumentStore;

/// A stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Unique within its collection.
    pub id: String,
    /// 1 when inserted, +1 on every replace; what [`WriteOp::Replace`] and
    /// [`WriteOp::Delete`] can expect.
    pub revision: i64,
    /// The JSON body (an object).
    pub body: Value,
}

/// One write of a [`DocumentStore::commit`] batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// The collection written to.
    pub collection: String,
    /// The document's id.
    pub id: String,
    /// What happens to it.
    pub op: WriteOp,
}

/// What a [`Write`] does.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// Creates the document at revision 1; a conflict when the id exists.
    Insert(Value),
    /// Replaces the body and increments the revision. With `expected_revision`, a
    /// conflict unless the document exists at exactly that revision; without, an
    /// upsert (a missing document is created at revision 1).
    Replace {
        /// The new body.
        body: Value,
        /// The revision the writer read, if it must still be current.
        expected_revision: Option<i64>,
    },
    /// Deletes the document. With `expected_revision`, a conflict unless it exists at
    /// exactly that revision; without, deleting a missing document does nothing.
    Delete {
        /// The revision the writer read, if it must still be current.
        expected_revision: Option<i64>,
    },
}

impl Write {
    /// Inserts a new document.
    pub fn insert(collection: &str, id: impl Into<String>, body: Value) -> Self {
        Self::new(collection, id, WriteOp::Insert(body))
    }

    /// Replaces a document read at `expected_revision`.
    pub fn replace(
        collection: &str,
        id: impl Into<String>,
        body: Value,
        expected_revision: i64,
    ) -> Self {
        Self::new(
            collection,
            id,
            WriteOp::Replace {
                body,
                expected_revision: Some(expected_revision),
            },
        )
    }

    /// Writes a document whatever its current state.
    pub fn upsert(collection: &str, id: impl Into<String>, body: Value) -> Self {
        Self::new(
            collection,
            id,
            WriteOp::Replace {
                body,
                expected_revision: None,
            },
        )
    }

    /// Deletes a document read at `expected_revision`.
    pub fn delete(collection: &str, id: impl Into<String>, expected_revision: i64) -> Self {
        Self::new(
            collection,
            id,
            WriteOp::Delete {
                expected_revision: Some(expected_revision),
            },
        )
    }

    /// Inserts `body` when `current` is `None`, else replaces `current` at its revision:
    /// a read-modify-write that conflicts if anyone wrote in between.
    pub fn put_after(
        collection: &str,
        id: impl Into<String>,
        body: Value,
        current: Option<&Document>,
    ) -> Self {
        match current {
            None => Self::insert(collection, id, body),
            Some(current) => Self::replace(collection, id, body, current.revision),
        }
    }

    fn new(collection: &str, id: impl Into<String>, op: WriteOp) -> Self {
        Self {
            collection: collection.to_string(),
            id: id.into(),
            op,
        }
    }
}

/// Which documents [`DocumentStore::find`] returns, in which order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Every condition must hold.
    pub filter: Vec<Condition>,
    /// Order; ties (and no sort at all) are broken by id, in the same direction.
    pub sort: Option<Sort>,
    /// Documents passed over first (prefer [`Query::after`] for deep pages).
    pub skip: u64,
    /// Most documents returned; `None` returns all.
    pub limit: Option<u64>,
    /// Keyset paging: only documents strictly after this position in the query's order.
    pub after: Option<Position>,
}

/// A condition on a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A top-level body field equals a scalar (string, number, bool; `null` also
    /// matches a missing field).
    Eq(String, Value),
    /// The document id is one of these.
    IdIn(Vec<String>),
}

/// Sort order on one top-level body field.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    /// The body field (scalar values).
    pub field: String,
    /// Largest first.
    pub descending: bool,
}

/// A place in a sorted result: the sort field's value and the id of a document there.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// The sort field's value (`Value::Null` when the query has no sort).
    pub value: Value,
    /// The document id.
    pub id: String,
}

impl Query {
    /// Every document of the collection, by id.
    pub fn all() -> Self {
        Self::default()
    }

    /// Adds the condition `field == value`.
    pub fn eq(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.filter
            .push(Condition::Eq(field.to_string(), value.into()));
        self
    }

    /// Keeps only the documents with these ids.
    pub fn ids(mut self, ids: Vec<String>) -> Self {
        self.filter.push(Condition::IdIn(ids));
        self
    }

    /// Sorts by `field`, smallest first.
    pub fn ascending(mut self, field: &str) -> Self {
        self.sort = Some(Sort {
            field: field.to_string(),
            descending: false,
        });
        self
    }

    /// Sorts by `field`, largest first.
    pub fn descending(mut self, field: &str) -> Self {
        self.sort = Some(Sort {
            field: field.to_string(),
            descending: true,
        });
        self
    }

    /// Returns at most `limit` documents.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Passes over the first `skip` documents.
    pub fn skip(mut self, skip: u64) -> Self {
        self.skip = skip;
        self
    }

    /// Starts strictly after `position`.
    pub fn after(mut self, position: Position) -> Self {
        self.after = Some(position);
        self
    }

    /// The position of `document` in this query's order (for [`Query::after`]).
    pub fn position_of(&self, document: &Document) -> Position {
        let value = match &self.sort {
            Some(sort) => document
                .body
                .get(&sort.field)
                .cloned()
                .unwrap_or(Value::Null),
            None => Value::Null,
        };
        Position {
            value,
            id: document.id.clone(),
        }
    }

    fn validate(&self) -> Result<(), DocumentError> {
        for condition in &self.filter {
            if let Condition::Eq(field, value) = condition {
                check_name("field", field)?;
                check_scalar(value)?;
            }
        }
        if let Some(sort) = &self.sort {
            check_name("field", &sort.field)?;
        }
        if let Some(after) = &self.after {
            check_scalar(&after.value)?;
        }
        Ok(())
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// An insert found the id taken, or a write expected a revision the document no
    /// longer (or never) had; nothing of the batch was written.
    #[error("document {collection}/{id} already exists or changed concurrently")]
    Conflict {
        /// The collection of the conflicting write.
        collection: String,
        /// The id of the conflicting write.
        id: String,
    },
    /// A collection, field or value the store cannot use.
    #[error("invalid document request: {0}")]
    Invalid(String),
    /// The engine failed or answered something unreadable.
    #[error("document store: {0}")]
    Backend(String),
}

impl DocumentError {
    fn conflict(write: &Write) -> Self {
        DocumentError::Conflict {
            collection: write.collection.clone(),
            id: write.id.clone(),
        }
    }
}

impl From<DocumentError> for crate::KitError {
    fn from(err: DocumentError) -> Self {
        crate::KitError::Internal(err.to_string())
    }
}

/// JSON documents in named collections, written in atomic batches.
pub trait DocumentStore: Send + Sync {
    /// The document `id` of `collection`, if it exists.
    fn get<'a>(
        &'a self,
        collection: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Document>, DocumentError>>;

    /// The documents of `collection` matching `query`, in its order.
    fn find<'a>(
        &'a self,
        collection: &'a str,
        query: &'a Query,
    ) -> BoxFuture<'a, Result<Vec<Document>, DocumentError>>;

    /// Applies every write or none: the first failing write (see [`WriteOp`]) rolls the
    /// batch back and is reported.
    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<(), DocumentError>>;

    /// Checks the engine answers (readiness).
    fn ping(&self) -> BoxFuture<'_, Result<(), DocumentError>>;
}

/// A document store as a readiness check.
pub struct StoreReady(pub Arc<dyn DocumentStore>);

impl ReadyCheck for StoreReady {
    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.0.ping().await.map_err(|err| err.to_string()) })
    }
}

/// Where a service's documents live.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSettings {
    /// `sqlite://path/to/file.db` (created if missing) or
    /// `mongodb://user:pass@host:27017/database?replicaSet=…` (MongoDB needs a replica
    /// set or sharded cluster: batches are multi-document transactions).
    pub url: Secret<String>,
    /// The MongoDB database; defaults to the URL's path, else the service's name. Unused
    /// for SQLite.
    #[serde(default)]
    pub database: Option<String>,
    /// Largest connection pool size.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

fn default_max_connections() -> u32 {
    10
}

/// Connects to the store `settings.url` names; `service` is the MongoDB database when
/// neither the settings nor the URL name one.
pub async fn connect(
    settings: &DocumentSettings,
    service: &str,
) -> Result<Arc<dyn DocumentStore>, DocumentError> {
    let url = settings.url.expose();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(
            SqlDocumentStore::connect(url, settings.max_connections).await?,
        ))
    } else if url.starts_with("mongodb://") || url.starts_with("mongodb+srv://") {
        Ok(Arc::new(
            MongoDocumentStore::connect(
                url,
                settings.database.as_deref(),
                service,
                settings.max_connections,
            )
            .await?,
        ))
    } else {
        Err(DocumentError::Invalid(
            "the document store URL must start with sqlite:// or mongodb://".to_string(),
        ))
    }
}

/// Collection and field names: ASCII letters, digits and `_`, so they are safe as
/// MongoDB names and SQLite JSON paths.
fn check_name(what: &str, name: &str) -> Result<(), DocumentError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(DocumentError::Invalid(format!("{what} name `{name}`")))
    }
}

fn check_scalar(value: &Value) -> Result<(), DocumentError> {
    match value {
        Value::Array(_) | Value::Object(_) => Err(DocumentError::Invalid(
            "conditions and positions compare scalar values only".to_string(),
        )),
        _ => Ok(()),
    }
}

fn check_writes(writes: &[Write]) -> Result<(), DocumentError> {
    for write in writes {
        check_name("collection", &write.collection)?;
        match &write.op {
            WriteOp::Insert(body) | WriteOp::Replace { body, .. } if !body.is_object() => {
                return Err(DocumentError::Invalid(
                    "a document body must be a JSON object".to_string(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
