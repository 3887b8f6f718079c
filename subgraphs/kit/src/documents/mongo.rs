//! The production document store: MongoDB. Each collection is a MongoDB collection of
//! `{ _id, revision, body }`; a commit is one multi-document transaction (so the
//! deployment must be a replica set or sharded cluster), retried whole when the server
//! labels a failure transient (a write conflict with a concurrent transaction).

use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::TryStreamExt;
use mongodb::bson::{self, doc, Bson, Document as BsonDocument};
use mongodb::error::{
    Error as MongoError, ErrorKind, WriteFailure, TRANSIENT_TRANSACTION_ERROR,
    UNKNOWN_TRANSACTION_COMMIT_RESULT,
};
use mongodb::options::ClientOptions;
use mongodb::{Client, ClientSession, Collection, Database};
use serde_json::Value;

use super::{
    check_name, check_writes, Condition, Document, DocumentError, DocumentStore, Query, Write,
    WriteOp,
};

/// Attempts of one commit whose transaction the server reports as transient.
const COMMIT_ATTEMPTS: u32 = 8;
/// Pause before the second attempt; doubled for each further one (up to ~1.3 s in all).
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(10);
/// Server code of a duplicate key.
const DUPLICATE_KEY: i32 = 11000;
/// Server code of a write conflict between transactions.
const WRITE_CONFLICT: i32 = 112;

/// Documents in a MongoDB database.
#[derive(Clone)]
pub struct MongoDocumentStore {
    client: Client,
    db: Database,
}

impl MongoDocumentStore {
    /// Connects to `url`; the database is `database`, else the URL's path, else `fallback`.
    pub async fn connect(
        url: &str,
        database: Option<&str>,
        fallback: &str,
        max_connections: u32,
    ) -> Result<Self, DocumentError> {
        let mut options = ClientOptions::parse(url).await.map_err(backend)?;
        options.max_pool_size = Some(max_connections.max(1));
        let name = database
            .map(str::to_string)
            .or_else(|| options.default_database.clone())
            .unwrap_or_else(|| fallback.to_string());
        let client = Client::with_options(options).map_err(backend)?;
        let db = client.database(&name);
        Ok(Self { client, db })
    }

    fn collection(&self, name: &str) -> Result<Collection<BsonDocument>, DocumentError> {
        check_name("collection", name)?;
        Ok(self.db.collection(name))
    }

    /// One attempt: `Ok(Err(conflict))` when a write's condition failed (aborted);
    /// `Err` with the index of the write the engine refused, if it was one.
    async fn try_commit(
        &self,
        writes: &[Write],
    ) -> Result<Result<(), DocumentError>, (MongoError, Option<usize>)> {
        let mut session = self
            .client
            .start_session()
            .await
            .map_err(|err| (err, None))?;
        session
            .start_transaction()
            .await
            .map_err(|err| (err, None))?;
        for (index, write) in writes.iter().enumerate() {
            match apply(&self.db, &mut session, write).await {
                Ok(true) => {}
                Ok(false) => {
                    session
                        .abort_transaction()
                        .await
                        .map_err(|err| (err, None))?;
                    return Ok(Err(DocumentError::conflict(write)));
                }
                Err(err) if code(&err) == Some(DUPLICATE_KEY) => {
                    let _ = session.abort_transaction().await;
                    return Ok(Err(DocumentError::conflict(write)));
                }
                Err(err) => {
                    let _ = session.abort_transaction().await;
                    return Err((err, Some(index)));
                }
            }
        }
        loop {
            match session.commit_transaction().await {
                Ok(()) => return Ok(Ok(())),
                Err(err) if err.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) => continue,
                Err(err) => return Err((err, None)),
            }
        }
    }
}

fn backend(err: MongoError) -> DocumentError {
    DocumentError::Backend(err.to_string())
}

/// The server's error code, if the server refused the operation.
fn code(err: &MongoError) -> Option<i32> {
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(err)) => Some(err.code),
        ErrorKind::Command(err) => Some(err.code),
        _ => None,
    }
}

/// A transaction worth running again: the server says so, or it lost a write conflict
/// (its conditions are checked afresh by the next attempt).
fn retryable(err: &MongoError) -> bool {
    err.contains_label(TRANSIENT_TRANSACTION_ERROR) || code(err) == Some(WRITE_CONFLICT)
}

fn to_bson(value: &Value) -> Result<Bson, DocumentError> {
    bson::to_bson(value).map_err(|err| DocumentError::Invalid(err.to_string()))
}

fn body_of(value: &Value) -> Result<BsonDocument, DocumentError> {
    bson::to_document(value).map_err(|err| DocumentError::Invalid(err.to_string()))
}

fn decode(stored: BsonDocument) -> Result<Document, DocumentError> {
    let unreadable = |what: &str| DocumentError::Backend(format!("stored document: {what}"));
    let id = stored
        .get_str("_id")
        .map_err(|_| unreadable("_id"))?
        .to_string();
    let revision = match stored.get("revision") {
        Some(Bson::Int64(n)) => *n,
        Some(Bson::Int32(n)) => i64::from(*n),
        _ => return Err(unreadable("revision")),
    };
    let body = match stored.get("body") {
        Some(body @ Bson::Document(_)) => {
            bson::from_bson::<Value>(body.clone()).map_err(|_| unreadable("body"))?
        }
        _ => return Err(unreadable("body")),
    };
    Ok(Document { id, revision, body })
}

/// The filter of a query.
fn filter(query: &Query) -> Result<BsonDocument, DocumentError> {
    let mut all: Vec<Bson> = Vec::new();
    for condition in &query.filter {
        match condition {
            Condition::Eq(field, value) => {
                all.push(doc! { format!("body.{field}"): to_bson(value)? }.into());
            }
            Condition::IdIn(ids) => all.push(doc! { "_id": { "$in": ids.clone() } }.into()),
        }
    }
    if let Some(after) = &query.after {
        let descending = query.sort.as_ref().is_some_and(|sort| sort.descending);
        let cmp = if descending { "$lt" } else { "$gt" };
        let id_beyond = doc! { "_id": { cmp: after.id.clone() } };
        let keyset = match &query.sort {
            None => id_beyond,
            Some(sort) => {
                let field = format!("body.{}", sort.field);
                // null (and missing) sorts first, as in SQLite.
                if after.value.is_null() {
                    let mut nulls = id_beyond;
                    nulls.insert(field.clone(), Bson::Null);
                    if descending {
                        nulls
                    } else {
                        doc! { "$or": [nulls, { field: { "$ne": Bson::Null } }] }
                    }
                } else {
                    let value = to_bson(&after.value)?;
                    let mut tie = id_beyond;
                    tie.insert(field.clone(), value.clone());
                    let mut any = vec![
                        Bson::from(doc! { field.clone(): { cmp: value } }),
                        tie.into(),
                    ];
                    if descending {
                        any.push(doc! { field: Bson::Null }.into());
                    }
                    doc! { "$or": any }
                }
            }
        };
        all.push(keyset.into());
    }
    Ok(if all.is_empty() {
        doc! {}
    } else {
        doc! { "$and": all }
    })
}

/// Applies one write in the session's transaction; `false` when its condition failed.
async fn apply(
    db: &Database,
    session: &mut ClientSession,
    write: &Write,
) -> Result<bool, MongoError> {
    let collection: Collection<BsonDocument> = db.collection(&write.collection);
    let id = write.id.as_str();
    // Bodies were checked to be objects, so encoding only fails on numbers BSON lacks.
    let encode =
        |body: &Value| bson::to_document(body).map_err(|err| MongoError::custom(err.to_string()));
    Ok(match &write.op {
        WriteOp::Insert(body) => {
            collection
                .insert_one(doc! { "_id": id, "revision": 1_i64, "body": encode(body)? })
                .session(&mut *session)
                .await?;
            true
        }
        WriteOp::Replace {
            body,
            expected_revision: Some(expected),
        } => {
            let replaced = collection
                .replace_one(
                    doc! { "_id": id, "revision": *expected },
                    doc! { "revision": *expected + 1, "body": encode(body)? },
                )
                .session(&mut *session)
                .await?;
            replaced.matched_count == 1
        }
        WriteOp::Replace {
            body,
            expected_revision: None,
        } => {
            collection
                .update_one(
                    doc! { "_id": id },
                    doc! { "$set": { "body": encode(body)? }, "$inc": { "revision": 1_i64 } },
                )
                .upsert(true)
                .session(&mut *session)
                .await?;
            true
        }
        WriteOp::Delete {
            expected_revision: Some(expected),
        } => {
            let deleted = collection
                .delete_one(doc! { "_id": id, "revision": *expected })
                .session(&mut *session)
                .await?;
            deleted.deleted_count == 1
        }
        WriteOp::Delete {
            expected_revision: None,
        } => {
            collection
                .delete_one(doc! { "_id": id })
                .session(&mut *session)
                .await?;
            true
        }
    })
}

impl DocumentStore for MongoDocumentStore {
    fn get<'a>(
        &'a self,
        collection: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Document>, DocumentError>> {
        Box::pin(async move {
            let found = self
                .collection(collection)?
                .find_one(doc! { "_id": id })
                .await
                .map_err(backend)?;
            found.map(decode).transpose()
        })
    }

    fn find<'a>(
        &'a self,
        collection: &'a str,
        query: &'a Query,
    ) -> BoxFuture<'a, Result<Vec<Document>, DocumentError>> {
        Box::pin(async move {
            let collection = self.collection(collection)?;
            query.validate()?;
            if query.limit == Some(0) {
                return Ok(Vec::new());
            }
            let sort = match &query.sort {
                Some(sort) => {
                    let direction = if sort.descending { -1 } else { 1 };
                    doc! { format!("body.{}", sort.field): direction, "_id": direction }
                }
                None => doc! { "_id": 1 },
            };
            let mut find = collection.find(filter(query)?).sort(sort).skip(query.skip);
            if let Some(limit) = query.limit {
                find = find.limit(i64::try_from(limit).unwrap_or(i64::MAX));
            }
            let stored: Vec<BsonDocument> = find
                .await
                .map_err(backend)?
                .try_collect()
                .await
                .map_err(backend)?;
            stored.into_iter().map(decode).collect()
        })
    }

    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<(), DocumentError>> {
        Box::pin(async move {
            check_writes(&writes)?;
            for write in &writes {
                if let WriteOp::Insert(body) | WriteOp::Replace { body, .. } = &write.op {
                    body_of(body)?;
                }
            }
            let (mut attempt, mut pause) = (1, FIRST_RETRY_PAUSE);
            loop {
                match self.try_commit(&writes).await {
                    Ok(outcome) => return outcome,
                    Err((err, _)) if retryable(&err) && attempt < COMMIT_ATTEMPTS => {
                        tracing::debug!(attempt, cause = %err, "document transaction retried");
                        tokio::time::sleep(pause).await;
                        (attempt, pause) = (attempt + 1, pause * 2);
                    }
                    // Still contended after every attempt: another writer keeps changing
                    // this document, as a stale revision would tell.
                    Err((err, Some(index))) if code(&err) == Some(WRITE_CONFLICT) => {
                        return Err(DocumentError::conflict(&writes[index]));
                    }
                    Err((err, _)) => return Err(backend(err)),
                }
            }
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), DocumentError>> {
        Box::pin(async move {
            self.db
                .run_command(doc! { "ping": 1 })
                .await
                .map(|_| ())
                .map_err(backend)
        })
    }
}
