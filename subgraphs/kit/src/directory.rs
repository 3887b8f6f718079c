//! Who an actor is and who owns it, for services other than chaos. They never read the
//! chaos tables: they ask the chaos subgraph through its federation entity resolver
//! (`_entities`, the same call the router makes), so the answer is always current —
//! a deleted actor is gone at once.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::KitError;
use crate::peer::PeerClient;

const ACTORS_QUERY: &str = "query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Actor { id name owner { id } } } }";

/// The facts about an actor other services need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorSummary {
    /// The actor.
    pub id: Uuid,
    /// Its owning account.
    pub user_id: Uuid,
    /// Its display name.
    pub name: String,
}

/// Looks actors up in the chaos subgraph.
#[derive(Debug, Clone)]
pub struct ActorDirectory {
    chaos: PeerClient,
}

#[derive(Deserialize)]
struct EntitiesData {
    #[serde(rename = "_entities")]
    entities: Vec<Option<ActorEntity>>,
}

#[derive(Deserialize)]
struct ActorEntity {
    id: Uuid,
    name: String,
    owner: OwnerEntity,
}

#[derive(Deserialize)]
struct OwnerEntity {
    id: Uuid,
}

impl From<ActorEntity> for ActorSummary {
    fn from(actor: ActorEntity) -> Self {
        ActorSummary {
            id: actor.id,
            user_id: actor.owner.id,
            name: actor.name,
        }
    }
}

impl ActorDirectory {
    /// A directory asking the chaos subgraph at `chaos_graphql_url` (its `/graphql`).
    pub fn new(chaos_graphql_url: impl Into<String>) -> Self {
        Self {
            chaos: PeerClient::new("the actor directory", chaos_graphql_url, None),
        }
    }

    /// The actors among `ids` that exist, by id.
    pub async fn find(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, ActorSummary>, KitError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let representations: Vec<_> = ids
            .iter()
            .map(|id| json!({ "__typename": "Actor", "id": id }))
            .collect();
        let data: EntitiesData = self
            .post(ACTORS_QUERY, json!({ "representations": representations }))
            .await?;
        Ok(data
            .entities
            .into_iter()
            .flatten()
            .map(|actor| (actor.id, ActorSummary::from(actor)))
            .collect())
    }

    /// Runs a query on chaos and returns its `data`.
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<T, KitError> {
        Ok(self.chaos.execute(query, variables).await?)
    }

    /// The actors named `names` (case-insensitive) that exist.
    pub async fn find_by_names(&self, names: &[String]) -> Result<Vec<ActorSummary>, KitError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let parameters: Vec<String> = (0..names.len())
            .map(|i| format!("$n{i}: String!"))
            .collect();
        let fields: Vec<String> = (0..names.len())
            .map(|i| format!("a{i}: actorByName(name: $n{i}) {{ id name owner {{ id }} }}"))
            .collect();
        let query = format!(
            "query({}) {{ {} }}",
            parameters.join(", "),
            fields.join(" ")
        );
        let variables: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (format!("n{i}"), json!(name)))
            .collect();
        let data: HashMap<String, Option<ActorEntity>> = self
            .post(&query, serde_json::Value::Object(variables))
            .await?;
        Ok(data
            .into_values()
            .flatten()
            .map(ActorSummary::from)
            .collect())
    }

    /// The actor `id`, or `NOT_FOUND`.
    pub async fn get(&self, id: Uuid) -> Result<ActorSummary, KitError> {
        self.find(&[id])
            .await?
            .remove(&id)
            .ok_or(KitError::NotFound("actor"))
    }

    /// The actor `id` if `viewer` owns it; someone else's actor is `FORBIDDEN`.
    pub async fn owned_by(&self, id: Uuid, viewer: &Viewer) -> Result<ActorSummary, KitError> {
        let actor = self.get(id).await?;
        if actor.user_id != viewer.user_id {
            return Err(KitError::Forbidden("the actor belongs to another player"));
        }
        Ok(actor)
    }
}
