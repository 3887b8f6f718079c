//! Currencies, amounts and item grants as the graph, the tables and the events spell
//! them.

use async_graphql::{Enum, InputObject, SimpleObject};
use serde::{Deserialize, Serialize};
use subgraph_kit::KitError;

/// Largest amount a price, a product grant or an admin grant may be: anything above is
/// a typo, not an economy.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

/// Largest number of one item a product may grant.
pub const MAX_ITEM_QUANTITY: i64 = 10_000;

/// A wallet currency.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Enum,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Currency {
    /// Gold: earned in play, bought with gems.
    Soft,
    /// Gems: bought with real money.
    Hard,
}

impl Currency {
    /// Every currency, in display order.
    pub const ALL: [Currency; 2] = [Currency::Soft, Currency::Hard];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Soft => "SOFT",
            Currency::Hard => "HARD",
        }
    }

    /// Parses [`Currency::code`]; an unknown code in a row is a data bug.
    pub fn decode(code: &str) -> Result<Self, KitError> {
        match code {
            "SOFT" => Ok(Currency::Soft),
            "HARD" => Ok(Currency::Hard),
            other => Err(KitError::Internal(format!(
                "unknown currency code `{other}`"
            ))),
        }
    }
}

/// An amount of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "CurrencyAmountInput")]
pub struct CurrencyAmount {
    /// The currency.
    pub currency: Currency,
    /// Whole units.
    pub amount: i64,
}

/// A quantity of one item definition (content's id, e.g. `health_potion`) a product
/// grants. Named `ProductItemGrant` in the graph: inventory owns `ItemGrant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(name = "ProductItemGrant", input_name = "ProductItemGrantInput")]
pub struct ItemGrant {
    /// The item definition.
    #[serde(rename = "definitionId")]
    pub item_definition_id: String,
    /// How many.
    pub quantity: i64,
}

/// `amounts` as stored in a JSON column.
pub fn amounts_json(amounts: &[CurrencyAmount]) -> serde_json::Value {
    serde_json::to_value(amounts).expect("currency amounts serialize to JSON")
}

/// Reads a JSON column written by [`amounts_json`].
pub fn amounts_from_json(value: &serde_json::Value) -> Result<Vec<CurrencyAmount>, KitError> {
    serde_json::from_value(value.clone())
        .map_err(|err| KitError::Internal(format!("unreadable stored amounts: {err}")))
}

/// `items` as stored in a JSON column (and sent to inventory).
pub fn items_json(items: &[ItemGrant]) -> serde_json::Value {
    serde_json::to_value(items).expect("item grants serialize to JSON")
}

/// Reads a JSON column written by [`items_json`].
pub fn items_from_json(value: &serde_json::Value) -> Result<Vec<ItemGrant>, KitError> {
    serde_json::from_value(value.clone())
        .map_err(|err| KitError::Internal(format!("unreadable stored items: {err}")))
}

/// Sum of `amounts` in `currency`.
pub fn total(amounts: &[CurrencyAmount], currency: Currency) -> i64 {
    amounts
        .iter()
        .filter(|a| a.currency == currency)
        .map(|a| a.amount)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_shapes_match_the_event_contract() {
        let items = items_json(&[ItemGrant {
            item_definition_id: "health_potion".into(),
            quantity: 5,
        }]);
        assert_eq!(
            items,
            serde_json::json!([{ "definitionId": "health_potion", "quantity": 5 }])
        );
        let amounts = amounts_json(&[CurrencyAmount {
            currency: Currency::Hard,
            amount: 100,
        }]);
        assert_eq!(
            amounts,
            serde_json::json!([{ "currency": "HARD", "amount": 100 }])
        );
        assert_eq!(
            amounts_from_json(&amounts).expect("reads back")[0].amount,
            100
        );
    }
}
