//! The double-entry wallet ledger.
//!
//! Every account belongs to one owner (a player, by user id, or a system account such
//! as `issuance`, where new currency comes from, and `store`, where spent currency
//! goes) and holds one currency. Every movement is one ledger transaction whose
//! entries sum to zero per currency, so the sum of all balances (the trial balance)
//! is zero while the books are right.
//!
//! Concurrency: [`Ledger::open`] creates missing accounts and then locks every account
//! a command touches in one `SELECT … ORDER BY id FOR UPDATE` (PostgreSQL; SQLite's
//! immediate write transactions serialize writers anyway), so commands never deadlock
//! on each other and balances read under the lock stay true until commit. Debits of
//! player accounts are also conditional updates (`WHERE balance >= amount`), so a
//! player balance cannot go negative even if a caller forgot to check.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use subgraph_kit::pagination::{cursor_time, Cursor, Side};
use subgraph_kit::KitError;
use uuid::Uuid;

use entities::payment::{account, ledger_entry, ledger_transaction};

use crate::error::PaymentError;
use crate::money::{Currency, CurrencyAmount};

/// A system account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SystemAccount {
    /// Where currency enters the economy (store-receipt purchases, grants) and returns
    /// to on clawbacks; its balance is minus everything ever issued.
    Issuance,
    /// Where currency spent on wallet products goes.
    Store,
}

impl SystemAccount {
    fn name(self) -> &'static str {
        match self {
            SystemAccount::Issuance => "issuance",
            SystemAccount::Store => "store",
        }
    }
}

/// Who an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// A player's account (the user id); never negative.
    Player(Uuid),
    /// A system account; may go negative.
    System(SystemAccount),
}

impl Owner {
    fn kind(self) -> &'static str {
        match self {
            Owner::Player(_) => "PLAYER",
            Owner::System(_) => "SYSTEM",
        }
    }

    fn key(self) -> String {
        match self {
            Owner::Player(user_id) => user_id.to_string(),
            Owner::System(system) => system.name().to_string(),
        }
    }
}

/// One side of a movement: `amount` added to (negative: taken from) `owner`'s
/// `currency` account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// The account owner.
    pub owner: Owner,
    /// The currency.
    pub currency: Currency,
    /// Signed amount.
    pub amount: i64,
}

impl Posting {
    /// `amount` of `currency` moves from `from` to `to`: two postings.
    pub fn transfer(from: Owner, to: Owner, currency: Currency, amount: i64) -> [Posting; 2] {
        [
            Posting {
                owner: from,
                currency,
                amount: -amount,
            },
            Posting {
                owner: to,
                currency,
                amount,
            },
        ]
    }
}

/// What kind of movement a ledger transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    /// A purchase credited currency or paid a price.
    Purchase,
    /// A refund reversed a purchase.
    Refund,
    /// An admin granted currency.
    Grant,
}

impl TransactionKind {
    fn code(self) -> &'static str {
        match self {
            TransactionKind::Purchase => "PURCHASE",
            TransactionKind::Refund => "REFUND",
            TransactionKind::Grant => "GRANT",
        }
    }
}

/// A ledger transaction about to be recorded.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    /// Its id (known up front so other rows can name it).
    pub id: Uuid,
    /// What kind of movement.
    pub kind: TransactionKind,
    /// Why, shown on every entry.
    pub reason: String,
    /// What it belongs to (`purchase:<id>`, `grant:<key>`).
    pub reference: Option<String>,
    /// The player concerned.
    pub user_id: Option<Uuid>,
    /// Who caused it.
    pub created_by: Option<Uuid>,
}

/// The accounts one command moves value between, locked for the rest of its
/// transaction.
pub struct Ledger {
    accounts: HashMap<(Owner, Currency), account::Model>,
}

fn account_filter(owner: Owner, currency: Currency) -> Condition {
    Condition::all()
        .add(account::Column::OwnerKind.eq(owner.kind()))
        .add(account::Column::OwnerKey.eq(owner.key()))
        .add(account::Column::Currency.eq(currency.code()))
}

impl Ledger {
    /// Opens (creating when missing) and locks the accounts of `keys`.
    pub async fn open(
        txn: &DatabaseTransaction,
        keys: impl IntoIterator<Item = (Owner, Currency)>,
    ) -> Result<Self, PaymentError> {
        // Sorted, so concurrent commands creating the same accounts queue on the first
        // one instead of each holding one the other waits for.
        let mut keys: Vec<(Owner, Currency)> = keys.into_iter().collect();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(Self {
                accounts: HashMap::new(),
            });
        }
        let any = || {
            keys.iter()
                .fold(Condition::any(), |any, (owner, currency)| {
                    any.add(account_filter(*owner, *currency))
                })
        };
        let existing = account::Entity::find().filter(any()).all(txn).await?;
        let now = Utc::now();
        for (owner, currency) in &keys {
            let exists = existing.iter().any(|a| {
                a.owner_kind == owner.kind()
                    && a.owner_key == owner.key()
                    && a.currency == currency.code()
            });
            if exists {
                continue;
            }
            let row = account::ActiveModel {
                id: Set(Uuid::now_v7()),
                owner_kind: Set(owner.kind().to_string()),
                owner_key: Set(owner.key()),
                currency: Set(currency.code().to_string()),
                balance: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            };
            // A concurrent command may open the same account: then theirs is used.
            account::Entity::insert(row)
                .on_conflict_do_nothing_on([
                    account::Column::OwnerKind,
                    account::Column::OwnerKey,
                    account::Column::Currency,
                ])
                .exec_without_returning(txn)
                .await?;
        }
        let locked = account::Entity::find()
            .filter(any())
            .order_by_asc(account::Column::Id)
            .lock_exclusive()
            .all(txn)
            .await?;
        let mut accounts = HashMap::new();
        for row in locked {
            let owner = keys
                .iter()
                .map(|(owner, _)| *owner)
                .find(|owner| owner.kind() == row.owner_kind && owner.key() == row.owner_key)
                .ok_or_else(|| KitError::Internal("locked an account not asked for".into()))?;
            accounts.insert((owner, Currency::decode(&row.currency)?), row);
        }
        if accounts.len() != keys.len() {
            return Err(KitError::Internal("ledger accounts missing after opening".into()).into());
        }
        Ok(Self { accounts })
    }

    /// The locked balance of an opened account.
    pub fn balance(&self, owner: Owner, currency: Currency) -> i64 {
        self.accounts
            .get(&(owner, currency))
            .map_or(0, |account| account.balance)
    }

    /// Records `transaction` with `postings` (applied in order; zero amounts skipped).
    /// Fails with `INSUFFICIENT_FUNDS` when a player account would go negative; the
    /// caller's transaction must then be dropped.
    pub async fn record(
        &mut self,
        txn: &DatabaseTransaction,
        transaction: NewTransaction,
        postings: &[Posting],
    ) -> Result<Vec<ledger_entry::Model>, PaymentError> {
        let mut sums: BTreeMap<Currency, i64> = BTreeMap::new();
        for posting in postings {
            *sums.entry(posting.currency).or_default() += posting.amount;
        }
        if sums.values().any(|sum| *sum != 0) {
            return Err(KitError::Internal(format!(
                "unbalanced ledger transaction {:?}: {sums:?}",
                transaction.kind
            ))
            .into());
        }
        let now = cursor_time();
        ledger_transaction::ActiveModel {
            id: Set(transaction.id),
            kind: Set(transaction.kind.code().to_string()),
            reason: Set(transaction.reason.clone()),
            reference: Set(transaction.reference.clone()),
            user_id: Set(transaction.user_id),
            created_by: Set(transaction.created_by),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        let mut entries = Vec::with_capacity(postings.len());
        for posting in postings.iter().filter(|p| p.amount != 0) {
            let account = self
                .accounts
                .get_mut(&(posting.owner, posting.currency))
                .ok_or_else(|| KitError::Internal("posting to an account not opened".into()))?;
            let mut update = account::Entity::update_many()
                .col_expr(
                    account::Column::Balance,
                    Expr::col(account::Column::Balance).add(posting.amount),
                )
                .col_expr(account::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(account::Column::Id.eq(account.id));
            let player_debit = matches!(posting.owner, Owner::Player(_)) && posting.amount < 0;
            if player_debit {
                update = update.filter(account::Column::Balance.gte(-posting.amount));
            }
            let updated = update.exec(txn).await?;
            if updated.rows_affected != 1 {
                return Err(if player_debit {
                    PaymentError::InsufficientFunds(posting.currency.code())
                } else {
                    KitError::Internal(format!("ledger account {} vanished", account.id)).into()
                });
            }
            account.balance += posting.amount;
            let entry = ledger_entry::ActiveModel {
                id: Set(Uuid::now_v7()),
                transaction_id: Set(transaction.id),
                account_id: Set(account.id),
                currency: Set(posting.currency.code().to_string()),
                amount: Set(posting.amount),
                balance_after: Set(account.balance),
                reason: Set(transaction.reason.clone()),
                reference: Set(transaction.reference.clone()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            entries.push(entry);
        }
        Ok(entries)
    }
}

/// A player's balance in every currency (zero where no account was opened yet).
pub async fn balances(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<HashMap<Currency, i64>, PaymentError> {
    let rows = account::Entity::find()
        .filter(account::Column::OwnerKind.eq(Owner::Player(user_id).kind()))
        .filter(account::Column::OwnerKey.eq(user_id.to_string()))
        .all(db)
        .await?;
    let mut balances: HashMap<Currency, i64> = Currency::ALL.iter().map(|c| (*c, 0)).collect();
    for row in rows {
        balances.insert(Currency::decode(&row.currency)?, row.balance);
    }
    Ok(balances)
}

/// Up to `limit` of a player's entries older than `before`, newest first.
pub async fn player_entries(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    before: Option<Cursor>,
    limit: u64,
) -> Result<Vec<ledger_entry::Model>, PaymentError> {
    let account_ids: Vec<Uuid> = account::Entity::find()
        .filter(account::Column::OwnerKind.eq(Owner::Player(user_id).kind()))
        .filter(account::Column::OwnerKey.eq(user_id.to_string()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect();
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.is_in(account_ids))
        .order_by_desc(ledger_entry::Column::CreatedAt)
        .order_by_desc(ledger_entry::Column::Id)
        .limit(limit);
    if let Some(cursor) = before {
        query = query.filter(cursor.condition(
            ledger_entry::Column::CreatedAt,
            ledger_entry::Column::Id,
            Side::Before,
        )?);
    }
    Ok(query.all(db).await?)
}

/// The sum of every account's balance per currency, system accounts included: zero
/// in every currency while the books balance.
pub async fn trial_balance(db: &impl ConnectionTrait) -> Result<Vec<CurrencyAmount>, PaymentError> {
    let sums: Vec<(String, i64)> = account::Entity::find()
        .select_only()
        .column(account::Column::Currency)
        .column_as(
            // SUM of a BIGINT is NUMERIC on PostgreSQL; cast it back.
            Expr::col(account::Column::Balance)
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "total",
        )
        .group_by(account::Column::Currency)
        .into_tuple()
        .all(db)
        .await?;
    let mut totals: BTreeMap<Currency, i64> = Currency::ALL.iter().map(|c| (*c, 0)).collect();
    for (currency, total) in sums {
        totals.insert(Currency::decode(&currency)?, total);
    }
    Ok(totals
        .into_iter()
        .map(|(currency, amount)| CurrencyAmount { currency, amount })
        .collect())
}
