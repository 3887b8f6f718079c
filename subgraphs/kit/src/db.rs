//! Database connections. A service owns its own database (one SQLite file or one
//! PostgreSQL database each) and brings it up to date with its migrator at start.

use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::settings::DatabaseSettings;

/// Connects to `settings.url` and applies every pending migration of `M`.
///
/// For SQLite the file and its folder are created when missing.
pub async fn connect_and_migrate<M: MigratorTrait>(
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, DbErr> {
    let url = prepare_url(settings.url.expose())?;
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.max_connections)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        // WAL lets readers run beside the single writer; busy_timeout queues writers
        // instead of failing them with SQLITE_BUSY.
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;",
        )
        .await?;
    }
    M::up(&db, None).await?;
    Ok(db)
}

/// Starts a transaction for a command that writes.
///
/// On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`): a deferred
/// transaction that reads and then writes fails with `SQLITE_BUSY` when another writer
/// committed in between, while an immediate one simply waits its turn. PostgreSQL
/// ignores the mode; there, commands rely on unique constraints and conditional updates.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Checks the database answers (readiness probes).
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

fn prepare_url(url: &str) -> Result<String, DbErr> {
    let Some(rest) = url.strip_prefix("sqlite://") else {
        return Ok(url.to_string());
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" {
        if let Some(parent) = std::path::Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|err| {
                DbErr::Custom(format!(
                    "cannot create database folder {}: {err}",
                    parent.display()
                ))
            })?;
        }
    }
    Ok(if query.contains("mode=") {
        url.to_string()
    } else if query.is_empty() {
        format!("sqlite://{path}?mode=rwc")
    } else {
        format!("sqlite://{path}?{query}&mode=rwc")
    })
}

#[cfg(test)]
mod tests {
    use super::prepare_url;

    #[test]
    fn sqlite_urls_are_created_when_missing() {
        let dir = std::env::temp_dir().join(format!("kit-db-{}", uuid::Uuid::new_v4()));
        let url = format!("sqlite://{}/nested/users.db", dir.display());
        let prepared = prepare_url(&url).expect("prepares");
        assert!(prepared.ends_with("users.db?mode=rwc"));
        assert!(dir.join("nested").is_dir());
        std::fs::remove_dir_all(dir).expect("cleans up");
    }

    #[test]
    fn postgres_urls_pass_through() {
        let url = "postgres://chaos@127.0.0.1:5432/users";
        assert_eq!(prepare_url(url).expect("prepares"), url);
    }
}
