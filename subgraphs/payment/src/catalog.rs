//! The store catalogue: products, their prices and what they grant. Admins add and
//! change products; products are never deleted (purchases name them), only deactivated.

use std::collections::HashMap;

use async_graphql::{Enum, InputObject};
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::db::begin_write;
use subgraph_kit::KitError;

use entities::payment::{store_product, store_product_grant};

use crate::error::{bad_input, PaymentError};
use crate::money::{Currency, CurrencyAmount, ItemGrant, MAX_AMOUNT, MAX_ITEM_QUANTITY};

/// How a product is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProductKind {
    /// Bought with real money through a store receipt (`purchase`).
    StoreReceipt,
    /// Bought with wallet currency (`buyProduct`).
    Wallet,
}

impl ProductKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ProductKind::StoreReceipt => "STORE_RECEIPT",
            ProductKind::Wallet => "WALLET",
        }
    }

    fn decode(code: &str) -> Result<Self, KitError> {
        match code {
            "STORE_RECEIPT" => Ok(ProductKind::StoreReceipt),
            "WALLET" => Ok(ProductKind::Wallet),
            other => Err(KitError::Internal(format!(
                "unknown product kind `{other}`"
            ))),
        }
    }
}

/// A product with its grants.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The product row.
    pub row: store_product::Model,
    /// How it is paid for.
    pub kind: ProductKind,
    /// Its price (wallet products).
    pub price: Option<CurrencyAmount>,
    /// Currency credited to the buyer.
    pub currency_grants: Vec<CurrencyAmount>,
    /// Items delivered to the buyer's actor.
    pub item_grants: Vec<ItemGrant>,
}

/// A product as an admin defines it.
#[derive(Debug, Clone, InputObject)]
pub struct StoreProductInput {
    /// The SKU: 1-64 characters of `a-z`, `0-9`, `_`, `.`; for store-receipt products,
    /// the store's product id.
    pub id: String,
    /// Display name (1-64 characters).
    pub name: String,
    /// Description (at most 500 characters).
    #[graphql(default)]
    pub description: String,
    /// How it is paid for.
    pub kind: ProductKind,
    /// The price; required for `WALLET` products, refused for `STORE_RECEIPT` ones
    /// (the store sets those prices).
    pub price: Option<CurrencyAmount>,
    /// Currency credited to the buyer.
    #[graphql(default)]
    pub currency_grants: Vec<CurrencyAmount>,
    /// Items delivered to the buyer's actor.
    #[graphql(default)]
    pub item_grants: Vec<ItemGrant>,
    /// Whether it is on sale.
    #[graphql(default = true)]
    pub active: bool,
}

fn product_from(
    row: store_product::Model,
    grants: Vec<store_product_grant::Model>,
) -> Result<Product, KitError> {
    let kind = ProductKind::decode(&row.kind)?;
    let price = match (&row.price_currency, row.price_amount) {
        (Some(currency), Some(amount)) => Some(CurrencyAmount {
            currency: Currency::decode(currency)?,
            amount,
        }),
        _ => None,
    };
    let mut currency_grants = Vec::new();
    let mut item_grants = Vec::new();
    for grant in grants {
        match (grant.currency, grant.item_definition_id) {
            (Some(currency), None) => currency_grants.push(CurrencyAmount {
                currency: Currency::decode(&currency)?,
                amount: grant.quantity,
            }),
            (None, Some(item)) => item_grants.push(ItemGrant {
                item_definition_id: item,
                quantity: grant.quantity,
            }),
            _ => {
                return Err(KitError::Internal(format!(
                    "grant {} of product {} is neither currency nor item",
                    grant.position, grant.product_id
                )))
            }
        }
    }
    Ok(Product {
        row,
        kind,
        price,
        currency_grants,
        item_grants,
    })
}

async fn with_grants(
    db: &impl ConnectionTrait,
    rows: Vec<store_product::Model>,
) -> Result<Vec<Product>, PaymentError> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut grants: HashMap<String, Vec<store_product_grant::Model>> = HashMap::new();
    for grant in store_product_grant::Entity::find()
        .filter(store_product_grant::Column::ProductId.is_in(ids))
        .order_by_asc(store_product_grant::Column::ProductId)
        .order_by_asc(store_product_grant::Column::Position)
        .all(db)
        .await?
    {
        grants
            .entry(grant.product_id.clone())
            .or_default()
            .push(grant);
    }
    rows.into_iter()
        .map(|row| {
            let product_grants = grants.remove(&row.id).unwrap_or_default();
            product_from(row, product_grants).map_err(PaymentError::from)
        })
        .collect()
}

/// Products on sale, by id.
pub async fn active_products(db: &DatabaseConnection) -> Result<Vec<Product>, PaymentError> {
    let rows = store_product::Entity::find()
        .filter(store_product::Column::Active.eq(true))
        .order_by_asc(store_product::Column::Id)
        .all(db)
        .await?;
    with_grants(db, rows).await
}

/// Products by id, on sale or not.
pub async fn products_by_ids(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, Product>, PaymentError> {
    let rows = store_product::Entity::find()
        .filter(store_product::Column::Id.is_in(ids.iter().cloned()))
        .all(db)
        .await?;
    Ok(with_grants(db, rows)
        .await?
        .into_iter()
        .map(|product| (product.row.id.clone(), product))
        .collect())
}

/// The product `id`, or `PRODUCT_NOT_FOUND`.
pub async fn product(db: &impl ConnectionTrait, id: &str) -> Result<Product, PaymentError> {
    products_by_ids(db, &[id.to_string()])
        .await?
        .remove(id)
        .ok_or_else(|| PaymentError::ProductNotFound(id.to_string()))
}

/// The product `id` if it is on sale as `kind`.
pub async fn product_for_sale(
    db: &impl ConnectionTrait,
    id: &str,
    kind: ProductKind,
) -> Result<Product, PaymentError> {
    let product = product(db, id).await?;
    if !product.row.active {
        return Err(PaymentError::ProductNotForSale(id.to_string(), "any more"));
    }
    if product.kind != kind {
        return Err(PaymentError::ProductNotForSale(
            id.to_string(),
            match product.kind {
                ProductKind::StoreReceipt => "for wallet currency: buy it with a store receipt",
                ProductKind::Wallet => "through a store: buy it with wallet currency",
            },
        ));
    }
    Ok(product)
}

fn validate(input: &StoreProductInput) -> Result<(), PaymentError> {
    let id_ok = (1..=64).contains(&input.id.len())
        && input
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    if !id_ok {
        return Err(bad_input(
            "product id must be 1-64 characters of a-z, 0-9, `_` and `.`",
        ));
    }
    let name_chars = input.name.trim().chars().count();
    if !(1..=64).contains(&name_chars) {
        return Err(bad_input("product name must be 1-64 characters"));
    }
    if input.description.chars().count() > 500 {
        return Err(bad_input(
            "product description must be at most 500 characters",
        ));
    }
    match (input.kind, &input.price) {
        (ProductKind::Wallet, None) => {
            return Err(bad_input("a WALLET product needs a price"));
        }
        (ProductKind::StoreReceipt, Some(_)) => {
            return Err(bad_input(
                "a STORE_RECEIPT product has no wallet price (the store sets it)",
            ));
        }
        _ => {}
    }
    let amount_ok = |amount: i64| (1..=MAX_AMOUNT).contains(&amount);
    if input.price.is_some_and(|price| !amount_ok(price.amount)) {
        return Err(bad_input(format!(
            "price must be between 1 and {MAX_AMOUNT}"
        )));
    }
    if input.currency_grants.is_empty() && input.item_grants.is_empty() {
        return Err(bad_input("a product must grant something"));
    }
    if input.currency_grants.len() + input.item_grants.len() > 20 {
        return Err(bad_input("a product grants at most 20 things"));
    }
    if input.currency_grants.iter().any(|g| !amount_ok(g.amount)) {
        return Err(bad_input(format!(
            "currency grants must be between 1 and {MAX_AMOUNT}"
        )));
    }
    for item in &input.item_grants {
        if !(1..=64).contains(&item.item_definition_id.len()) {
            return Err(bad_input("item definition ids must be 1-64 characters"));
        }
        if !(1..=MAX_ITEM_QUANTITY).contains(&item.quantity) {
            return Err(bad_input(format!(
                "item quantities must be between 1 and {MAX_ITEM_QUANTITY}"
            )));
        }
    }
    Ok(())
}

/// Adds a product or replaces one (admins only). Past purchases keep what they cost
/// and granted.
pub async fn upsert_product(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: StoreProductInput,
) -> Result<Product, PaymentError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    validate(&input)?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let row = store_product::ActiveModel {
        id: Set(input.id.clone()),
        name: Set(input.name.trim().to_string()),
        description: Set(input.description.trim().to_string()),
        kind: Set(input.kind.code().to_string()),
        price_currency: Set(input.price.map(|p| p.currency.code().to_string())),
        price_amount: Set(input.price.map(|p| p.amount)),
        active: Set(input.active),
        created_at: Set(now),
        updated_at: Set(now),
    };
    store_product::Entity::insert(row)
        .on_conflict(
            OnConflict::column(store_product::Column::Id)
                .update_columns([
                    store_product::Column::Name,
                    store_product::Column::Description,
                    store_product::Column::Kind,
                    store_product::Column::PriceCurrency,
                    store_product::Column::PriceAmount,
                    store_product::Column::Active,
                    store_product::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    store_product_grant::Entity::delete_many()
        .filter(store_product_grant::Column::ProductId.eq(input.id.clone()))
        .exec(&txn)
        .await?;
    let currency = input
        .currency_grants
        .iter()
        .map(|g| (Some(g.currency.code().to_string()), None, g.amount));
    let items = input
        .item_grants
        .iter()
        .map(|g| (None, Some(g.item_definition_id.clone()), g.quantity));
    for (position, (currency, item, quantity)) in (0i32..).zip(currency.chain(items)) {
        store_product_grant::ActiveModel {
            product_id: Set(input.id.clone()),
            position: Set(position),
            currency: Set(currency),
            item_definition_id: Set(item),
            quantity: Set(quantity),
        }
        .insert(&txn)
        .await?;
    }
    let saved = product(&txn, &input.id).await?;
    txn.commit().await?;
    tracing::info!(product_id = %input.id, admin = %viewer.user_id, active = input.active, "store product saved");
    Ok(saved)
}
