//! Column, index and drop shorthands shared by the migrations, so a table reads as its
//! list of columns.

use sea_orm_migration::prelude::*;

/// `NOT NULL` UUID primary key.
pub fn uuid_pk(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

/// `NOT NULL` UUID.
pub fn uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}

/// Nullable UUID.
pub fn uuid_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().null().to_owned()
}

/// `NOT NULL` string of at most `len` characters.
pub fn string(name: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).not_null().to_owned()
}

/// Nullable string of at most `len` characters.
pub fn string_null(name: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).null().to_owned()
}

/// `NOT NULL` text.
pub fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

/// `NOT NULL` 32-bit integer.
pub fn integer(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

/// `NOT NULL` 64-bit integer.
pub fn big_integer(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

/// `NOT NULL` boolean.
pub fn boolean(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}

/// `NOT NULL` JSON.
pub fn json(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).json().not_null().to_owned()
}

/// `NOT NULL` timestamp with time zone.
pub fn timestamp(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// Nullable timestamp with time zone.
pub fn timestamp_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// A (possibly unique) index on `columns` of `table`.
pub fn index<T: IntoIden, C: IntoIden>(
    name: &str,
    table: T,
    columns: impl IntoIterator<Item = C>,
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

/// Drops `tables`, in order (dependents first).
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = DynIden>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}
