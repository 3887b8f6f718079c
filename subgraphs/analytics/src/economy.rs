//! Economy flows: what enters players' hands (sources) and what leaves them (sinks),
//! per kind and item definition or currency, from inventory's and payment's events.
//!
//! Items are counted where inventory moves them, so deliveries asked for by payment
//! (`payment.grant_items`) or live events (`live_event.reward_granted`) are counted
//! once, as the `inventory.items_granted` they cause.
//!
//! | event | sources | sinks |
//! |---|---|---|
//! | `inventory.items_granted` (`items`: [{`itemId`, `quantity`}]) | `ITEMS_GRANTED` | |
//! | `inventory.item_crafted` (`produced`, `consumed`) | `ITEMS_CRAFTED` | `CRAFT_INPUTS` |
//! | `inventory.items_destroyed` (`itemDefinitionId`, `quantity`, `reason`?) | | `ITEMS_DESTROYED`, or `REAGENTS_CONSUMED` for `SKILL_REAGENT` |
//! | `inventory.item_used` (`itemDefinitionId`) | | `ITEMS_USED` (1 each) |
//! | `payment.purchase_completed` (`paid`, `granted`: [{`currency`, `amount`}]) | `CURRENCY_PURCHASED` | `CURRENCY_SPENT` |
//! | `payment.currency_granted` (`currency`, `amount`) | `CURRENCY_GRANTED` | |
//! | `payment.purchase_refunded` (`returned`, `clawback`) | `CURRENCY_REFUNDED` | `CURRENCY_CLAWED_BACK` |

use std::collections::BTreeMap;

use serde_json::Value;

use crate::aggregates::whole;
use crate::ingest::RawEvent;

/// Every event type the economy reads.
pub const ECONOMY_EVENTS: [&str; 7] = [
    "inventory.items_granted",
    "inventory.item_crafted",
    "inventory.items_destroyed",
    "inventory.item_used",
    "payment.purchase_completed",
    "payment.currency_granted",
    "payment.purchase_refunded",
];

/// One flow: how much of an item or currency moved this way.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(name = "AnalyticsEconomyFlow")]
pub struct Flow {
    /// How it moved, e.g. `ITEMS_GRANTED` or `CURRENCY_SPENT`.
    pub kind: String,
    /// An item definition id, or a currency (`SOFT`, `HARD`).
    pub item_or_currency: String,
    /// Units moved.
    pub amount: i64,
}

/// Sources and sinks of a range.
#[derive(Debug, Clone, Default, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(name = "AnalyticsEconomy")]
pub struct Economy {
    /// What entered players' hands, by kind then item or currency.
    pub sources: Vec<Flow>,
    /// What left them, by kind then item or currency.
    pub sinks: Vec<Flow>,
}

#[derive(Default)]
struct Totals(BTreeMap<(String, String), i64>);

impl Totals {
    fn add(&mut self, kind: &str, what: Option<&str>, amount: i64) {
        if let Some(what) = what.filter(|_| amount != 0) {
            *self
                .0
                .entry((kind.to_string(), what.to_string()))
                .or_default() += amount;
        }
    }

    /// Each `{<key>, <amount field>}` of `list`.
    fn add_all(&mut self, kind: &str, list: &Value, key: &str, amount: &str) {
        for entry in list.as_array().into_iter().flatten() {
            self.add(kind, entry[key].as_str(), whole(&entry[amount]));
        }
    }

    fn flows(self) -> Vec<Flow> {
        self.0
            .into_iter()
            .map(|((kind, item_or_currency), amount)| Flow {
                kind,
                item_or_currency,
                amount,
            })
            .collect()
    }
}

/// The flows of `events` (any types; those not listed above are ignored).
pub fn economy(events: &[RawEvent]) -> Economy {
    let (mut sources, mut sinks) = (Totals::default(), Totals::default());
    for event in events {
        let p = &event.payload;
        match event.event_type.as_str() {
            "inventory.items_granted" => {
                sources.add_all("ITEMS_GRANTED", &p["items"], "itemId", "quantity");
            }
            "inventory.item_crafted" => {
                sources.add_all("ITEMS_CRAFTED", &p["produced"], "itemId", "quantity");
                sinks.add_all("CRAFT_INPUTS", &p["consumed"], "itemId", "quantity");
            }
            "inventory.items_destroyed" => {
                let kind = if p["reason"] == "SKILL_REAGENT" {
                    "REAGENTS_CONSUMED"
                } else {
                    "ITEMS_DESTROYED"
                };
                sinks.add(kind, p["itemDefinitionId"].as_str(), whole(&p["quantity"]));
            }
            "inventory.item_used" => {
                sinks.add("ITEMS_USED", p["itemDefinitionId"].as_str(), 1);
            }
            "payment.purchase_completed" => {
                sources.add_all("CURRENCY_PURCHASED", &p["granted"], "currency", "amount");
                sinks.add_all("CURRENCY_SPENT", &p["paid"], "currency", "amount");
            }
            "payment.currency_granted" => {
                sources.add(
                    "CURRENCY_GRANTED",
                    p["currency"].as_str(),
                    whole(&p["amount"]),
                );
            }
            "payment.purchase_refunded" => {
                sources.add_all("CURRENCY_REFUNDED", &p["returned"], "currency", "amount");
                sinks.add_all("CURRENCY_CLAWED_BACK", &p["clawback"], "currency", "amount");
            }
            _ => {}
        }
    }
    Economy {
        sources: sources.flows(),
        sinks: sinks.flows(),
    }
}
