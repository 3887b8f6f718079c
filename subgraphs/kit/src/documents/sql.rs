//! The embedded document store: one SQLite `documents` table (collection, id, revision,
//! JSON body), created at connect. Queries read body fields with `json_extract`; a
//! commit is one immediate (write-locking) transaction, so batches are atomic and
//! writers queue instead of failing.

use futures_util::future::BoxFuture;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult,
    Statement, Value as SqlValue,
};
use sea_orm_migration::{MigrationName, MigrationTrait, MigratorTrait, SchemaManager};
use serde_json::Value;

use super::{
    check_name, check_writes, Condition, Document, DocumentError, DocumentStore, Query, Write,
    WriteOp,
};
use crate::secret::Secret;
use crate::settings::DatabaseSettings;

/// Documents in a SQLite database.
#[derive(Clone)]
pub struct SqlDocumentStore {
    db: DatabaseConnection,
}

impl SqlDocumentStore {
    /// Opens (creating when missing) the SQLite database `url` and its `documents` table.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DocumentError> {
        if !url.starts_with("sqlite:") {
            return Err(DocumentError::Invalid(
                "the SQL document store runs on SQLite only".to_string(),
            ));
        }
        let settings = DatabaseSettings {
            url: Secret::new(url.to_string()),
            max_connections,
        };
        let db = crate::db::connect_and_migrate::<Schema>(&settings)
            .await
            .map_err(backend)?;
        Ok(Self { db })
    }
}

fn backend(err: DbErr) -> DocumentError {
    DocumentError::Backend(err.to_string())
}

fn statement(sql: &str, values: Vec<SqlValue>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

/// `$.field`, the JSON path of a (checked) top-level field.
fn path(field: &str) -> SqlValue {
    format!("$.{field}").into()
}

/// A JSON scalar as a SQL value comparable with what `json_extract` returns.
fn scalar(value: &Value) -> SqlValue {
    match value {
        Value::Bool(b) => i64::from(*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or(f64::NAN).into(),
        },
        Value::String(s) => s.clone().into(),
        other => other.to_string().into(),
    }
}

fn document(row: &QueryResult, id: Option<&str>) -> Result<Document, DocumentError> {
    let id = match id {
        Some(id) => id.to_string(),
        None => row.try_get::<String>("", "id").map_err(backend)?,
    };
    let revision = row.try_get::<i64>("", "revision").map_err(backend)?;
    let body = row.try_get::<String>("", "body").map_err(backend)?;
    let body = serde_json::from_str(&body)
        .map_err(|err| DocumentError::Backend(format!("stored body of {id}: {err}")))?;
    Ok(Document { id, revision, body })
}

/// The `WHERE … ORDER BY … LIMIT …` of a query, with its values.
fn select(collection: &str, query: &Query) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("SELECT id, revision, body FROM documents WHERE collection = ?");
    let mut values: Vec<SqlValue> = vec![collection.into()];
    for condition in &query.filter {
        match condition {
            Condition::Eq(field, Value::Null) => {
                sql.push_str(" AND json_extract(body, ?) IS NULL");
                values.push(path(field));
            }
            Condition::Eq(field, value) => {
                sql.push_str(" AND json_extract(body, ?) = ?");
                values.extend([path(field), scalar(value)]);
            }
            Condition::IdIn(ids) if ids.is_empty() => sql.push_str(" AND 0"),
            Condition::IdIn(ids) => {
                sql.push_str(" AND id IN (");
                sql.push_str(&vec!["?"; ids.len()].join(", "));
                sql.push(')');
                values.extend(ids.iter().map(|id| SqlValue::from(id.clone())));
            }
        }
    }
    let descending = query.sort.as_ref().is_some_and(|sort| sort.descending);
    let (cmp, dir) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = &query.after {
        match &query.sort {
            None => {
                sql.push_str(&format!(" AND id {cmp} ?"));
                values.push(after.id.clone().into());
            }
            // NULL sorts first: after a NULL come the later NULLs, then (ascending)
            // every non-NULL value.
            Some(sort) if after.value.is_null() => {
                sql.push_str(&format!(
                    " AND ((json_extract(body, ?) IS NULL AND id {cmp} ?){})",
                    if descending {
                        ""
                    } else {
                        " OR json_extract(body, ?) IS NOT NULL"
                    }
                ));
                values.extend([path(&sort.field), after.id.clone().into()]);
                if !descending {
                    values.push(path(&sort.field));
                }
            }
            Some(sort) => {
                sql.push_str(&format!(
                    " AND (json_extract(body, ?) {cmp} ? OR (json_extract(body, ?) = ? AND id {cmp} ?){})",
                    if descending {
                        " OR json_extract(body, ?) IS NULL"
                    } else {
                        ""
                    }
                ));
                values.extend([
                    path(&sort.field),
                    scalar(&after.value),
                    path(&sort.field),
                    scalar(&after.value),
                    after.id.clone().into(),
                ]);
                if descending {
                    values.push(path(&sort.field));
                }
            }
        }
    }
    match &query.sort {
        Some(sort) => {
            sql.push_str(&format!(" ORDER BY json_extract(body, ?) {dir}, id {dir}"));
            values.push(path(&sort.field));
        }
        None => sql.push_str(" ORDER BY id ASC"),
    }
    let limit = query
        .limit
        .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
    sql.push_str(" LIMIT ? OFFSET ?");
    values.extend([
        limit.into(),
        i64::try_from(query.skip).unwrap_or(i64::MAX).into(),
    ]);
    (sql, values)
}

/// Applies one write inside `txn`; `false` when it conflicts.
async fn apply(txn: &DatabaseTransaction, write: &Write) -> Result<bool, DbErr> {
    let (collection, id) = (write.collection.clone(), write.id.clone());
    let encode = |body: &Value| SqlValue::from(body.to_string());
    let affected = match &write.op {
        WriteOp::Insert(body) => {
            txn.execute_raw(statement(
                "INSERT INTO documents (collection, id, revision, body) VALUES (?, ?, 1, ?) \
                 ON CONFLICT (collection, id) DO NOTHING",
                vec![collection.into(), id.into(), encode(body)],
            ))
            .await?
        }
        WriteOp::Replace {
            body,
            expected_revision: Some(expected),
        } => {
            txn.execute_raw(statement(
                "UPDATE documents SET body = ?, revision = revision + 1 \
                 WHERE collection = ? AND id = ? AND revision = ?",
                vec![
                    encode(body),
                    collection.into(),
                    id.into(),
                    (*expected).into(),
                ],
            ))
            .await?
        }
        WriteOp::Replace {
            body,
            expected_revision: None,
        } => {
            txn.execute_raw(statement(
                "INSERT INTO documents (collection, id, revision, body) VALUES (?, ?, 1, ?) \
                 ON CONFLICT (collection, id) DO UPDATE \
                 SET body = excluded.body, revision = documents.revision + 1",
                vec![collection.into(), id.into(), encode(body)],
            ))
            .await?;
            return Ok(true);
        }
        WriteOp::Delete {
            expected_revision: Some(expected),
        } => {
            txn.execute_raw(statement(
                "DELETE FROM documents WHERE collection = ? AND id = ? AND revision = ?",
                vec![collection.into(), id.into(), (*expected).into()],
            ))
            .await?
        }
        WriteOp::Delete {
            expected_revision: None,
        } => {
            txn.execute_raw(statement(
                "DELETE FROM documents WHERE collection = ? AND id = ?",
                vec![collection.into(), id.into()],
            ))
            .await?;
            return Ok(true);
        }
    };
    Ok(affected.rows_affected() == 1)
}

impl DocumentStore for SqlDocumentStore {
    fn get<'a>(
        &'a self,
        collection: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Document>, DocumentError>> {
        Box::pin(async move {
            check_name("collection", collection)?;
            let row = self
                .db
                .query_one_raw(statement(
                    "SELECT revision, body FROM documents WHERE collection = ? AND id = ?",
                    vec![collection.into(), id.into()],
                ))
                .await
                .map_err(backend)?;
            row.map(|row| document(&row, Some(id))).transpose()
        })
    }

    fn find<'a>(
        &'a self,
        collection: &'a str,
        query: &'a Query,
    ) -> BoxFuture<'a, Result<Vec<Document>, DocumentError>> {
        Box::pin(async move {
            check_name("collection", collection)?;
            query.validate()?;
            let (sql, values) = select(collection, query);
            let rows = self
                .db
                .query_all_raw(statement(&sql, values))
                .await
                .map_err(backend)?;
            rows.iter().map(|row| document(row, None)).collect()
        })
    }

    fn commit(&self, writes: Vec<Write>) -> BoxFuture<'_, Result<(), DocumentError>> {
        Box::pin(async move {
            check_writes(&writes)?;
            let txn = crate::db::begin_write(&self.db).await.map_err(backend)?;
            for write in &writes {
                if !apply(&txn, write).await.map_err(backend)? {
                    txn.rollback().await.map_err(backend)?;
                    return Err(DocumentError::conflict(write));
                }
            }
            txn.commit().await.map_err(backend)
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), DocumentError>> {
        Box::pin(async move { crate::db::ping(&self.db).await.map_err(backend) })
    }
}

/// Creates the `documents` table.
struct Schema;

impl MigratorTrait for Schema {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateDocuments)]
    }
}

struct CreateDocuments;

impl MigrationName for CreateDocuments {
    fn name(&self) -> &str {
        "m20261201_000001_create_documents"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for CreateDocuments {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE IF NOT EXISTS documents (
                    collection TEXT NOT NULL,
                    id TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    PRIMARY KEY (collection, id)
                )",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE documents")
            .await?;
        Ok(())
    }
}
