//! The content service's logic and persistence, on a [`DocumentStore`]. Each command
//! reads what it needs, then commits all its writes (the definition, its version, the
//! audit entry, the outbox event) as one atomic batch that expects every document it
//! read to be unchanged: of two concurrent edits of one definition, one commits and the
//! other fails with `CONFLICT`, never silently overwriting the first.
//!
//! Collections (document ids are `<KIND>:<id>`):
//! - `drafts`: at most one draft per definition ([`Draft`]).
//! - `published`: the current published version of each definition ([`Version`]).
//! - `versions`: every published version (`<KIND>:<id>:<version>`), the history.
//! - `audit`: who did what when, with the definition before and after ([`AuditEntry`]).
//! - `outbox`: `content.published` events on their way to the bus.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use subgraph_kit::auth::{Viewer, SCOPE_ADMIN};
use subgraph_kit::documents::{
    outbox, Document, DocumentError, DocumentStore, Position, Query, Write,
};
use subgraph_kit::events::{topics, EventEnvelope};
use subgraph_kit::pagination::{cursor_time, Cursor};
use subgraph_kit::KitError;
use uuid::Uuid;

use crate::error::ContentError;
use crate::model::{ContentKind, Definition};
use crate::rules;

/// Drafts, one per definition.
pub const DRAFTS: &str = "drafts";
/// The current published version of each definition.
pub const PUBLISHED: &str = "published";
/// Every published version.
pub const VERSIONS: &str = "versions";
/// The audit log.
pub const AUDIT: &str = "audit";

/// Type of the event published for each new version.
pub const PUBLISHED_EVENT: &str = "content.published";

/// An unpublished edit of a definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    /// Kind of the definition.
    pub kind: ContentKind,
    /// Definition id.
    pub id: String,
    /// The edited definition (JSON, as in the graph, without a version).
    pub definition: Value,
    /// The version published when the draft was saved, if any.
    pub published_version: Option<i32>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// The admin who last saved it.
    pub updated_by: Uuid,
}

/// A published version of a definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    /// Kind of the definition.
    pub kind: ContentKind,
    /// Definition id.
    pub id: String,
    /// 1, 2, …
    pub version: i32,
    /// The definition (JSON, as in the graph, with its id and version).
    pub definition: Value,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// The admin who published it (the nil UUID for the seeded catalogue).
    pub published_by: Uuid,
}

impl Version {
    /// The typed definition (resolvers decode straight into the graph type).
    #[cfg(test)]
    pub fn decode(&self) -> Result<Definition, ContentError> {
        Definition::from_json(self.kind, self.definition.clone()).map_err(|err| {
            KitError::Internal(format!("stored definition {} unreadable: {err}", self.id)).into()
        })
    }
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditAction {
    /// A draft was saved.
    SaveDraft,
    /// A draft was published as a new version.
    Publish,
    /// A draft was thrown away.
    DiscardDraft,
    /// The default catalogue was published on first start.
    Seed,
}

/// One admin change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Entry id (UUID v7).
    pub id: Uuid,
    /// When (millisecond precision, the cursor's).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// Who (the nil UUID for the seed).
    pub actor_user_id: Uuid,
    /// What.
    pub action: AuditAction,
    /// Kind of the definition.
    pub kind: ContentKind,
    /// Definition id.
    pub definition_id: String,
    /// The definition before (draft or published), if any.
    pub before: Option<Value>,
    /// The definition after, if any.
    pub after: Option<Value>,
}

impl AuditEntry {
    /// The entry's position in the log (newest first).
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at_ms: self.at.timestamp_millis(),
            id: self.id,
        }
    }
}

/// Writes to commit together, and what the command returns once they are.
pub struct Plan<T> {
    /// The batch.
    pub writes: Vec<Write>,
    /// The command's result.
    pub value: T,
}

fn require_admin(viewer: &Viewer) -> Result<Uuid, ContentError> {
    viewer.require_scope(SCOPE_ADMIN)?;
    Ok(viewer.user_id)
}

fn decode<T: DeserializeOwned>(document: &Document) -> Result<T, ContentError> {
    serde_json::from_value(document.body.clone()).map_err(|err| {
        KitError::Internal(format!("stored document {} unreadable: {err}", document.id)).into()
    })
}

fn encode<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("content documents hold only JSON-safe values")
}

fn version_key(kind: ContentKind, id: &str, version: i32) -> String {
    // Zero-padded so the ids sort like the versions.
    format!("{}:{version:010}", kind.key(id))
}

fn audit_write(entry: &AuditEntry) -> Write {
    Write::insert(AUDIT, entry.id.to_string(), encode(entry))
}

fn audit(
    actor: Uuid,
    action: AuditAction,
    kind: ContentKind,
    id: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> AuditEntry {
    AuditEntry {
        id: Uuid::now_v7(),
        at: cursor_time(),
        actor_user_id: actor,
        action,
        kind,
        definition_id: id.to_string(),
        before,
        after,
    }
}

/// The error naming a reference that is not published.
type UnknownReference = fn(String) -> ContentError;

/// Fails with `UNKNOWN_ITEM` / `UNKNOWN_ZONE` unless every definition `definition`
/// refers to is published.
async fn check_references(
    store: &dyn DocumentStore,
    definition: &Definition,
) -> Result<(), ContentError> {
    let checks: [(ContentKind, Vec<&str>, UnknownReference); 2] = [
        (
            ContentKind::Item,
            rules::referenced_items(definition),
            ContentError::UnknownItem,
        ),
        (
            ContentKind::Zone,
            rules::referenced_zones(definition),
            ContentError::UnknownZone,
        ),
    ];
    for (kind, ids, unknown) in checks {
        if ids.is_empty() {
            continue;
        }
        let keys = ids.iter().map(|id| kind.key(id)).collect();
        let found = store.find(PUBLISHED, &Query::all().ids(keys)).await?;
        if let Some(missing) = ids
            .iter()
            .find(|id| !found.iter().any(|doc| doc.id == kind.key(id)))
        {
            return Err(unknown(missing.to_string()));
        }
    }
    Ok(())
}

/// Plans saving `definition` as the draft of its id (replacing any draft).
pub async fn plan_save_draft(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    definition: Definition,
) -> Result<Plan<Draft>, ContentError> {
    let actor = require_admin(viewer)?;
    let definition = definition.with_version(0);
    rules::validate(&definition)?;
    check_references(store, &definition).await?;
    let (kind, id) = (definition.kind(), definition.id().to_string());
    let key = kind.key(&id);
    let current = store.get(DRAFTS, &key).await?;
    let published = match store.get(PUBLISHED, &key).await? {
        Some(doc) => Some(decode::<Version>(&doc)?),
        None => None,
    };
    let before = match &current {
        Some(doc) => Some(decode::<Draft>(doc)?.definition),
        None => published.as_ref().map(|p| p.definition.clone()),
    };
    let draft = Draft {
        kind,
        id: id.clone(),
        definition: definition.to_json(),
        published_version: published.map(|p| p.version),
        updated_at: Utc::now(),
        updated_by: actor,
    };
    let entry = audit(
        actor,
        AuditAction::SaveDraft,
        kind,
        &id,
        before,
        Some(draft.definition.clone()),
    );
    Ok(Plan {
        writes: vec![
            Write::put_after(DRAFTS, key, encode(&draft), current.as_ref()),
            audit_write(&entry),
        ],
        value: draft,
    })
}

/// Saves `definition` as the draft of its id (admins only).
pub async fn save_draft(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    definition: Definition,
) -> Result<Draft, ContentError> {
    let plan = plan_save_draft(store, viewer, definition).await?;
    store.commit(plan.writes).await?;
    Ok(plan.value)
}

/// Plans publishing the draft of `kind`/`id` as the next version, with its
/// `content.published` event (`NO_DRAFT` when there is none).
pub async fn plan_publish(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    kind: ContentKind,
    id: &str,
) -> Result<Plan<Version>, ContentError> {
    let actor = require_admin(viewer)?;
    let key = kind.key(id);
    let Some(draft_doc) = store.get(DRAFTS, &key).await? else {
        return Err(ContentError::NoDraft(kind, id.to_string()));
    };
    let draft: Draft = decode(&draft_doc)?;
    let current_doc = store.get(PUBLISHED, &key).await?;
    let current = match &current_doc {
        Some(doc) => Some(decode::<Version>(doc)?),
        None => None,
    };
    let number = current.as_ref().map_or(1, |v| v.version + 1);
    let definition = Definition::from_json(kind, draft.definition)
        .map_err(|err| KitError::Internal(format!("draft {key} unreadable: {err}")))?
        .with_version(number);
    // The rules may have tightened since the draft was saved.
    rules::validate(&definition)?;
    check_references(store, &definition).await?;
    let version = Version {
        kind,
        id: id.to_string(),
        version: number,
        definition: definition.to_json(),
        published_at: Utc::now(),
        published_by: actor,
    };
    let entry = audit(
        actor,
        AuditAction::Publish,
        kind,
        id,
        current.map(|v| v.definition),
        Some(version.definition.clone()),
    );
    let mut writes = publish_writes(&version, current_doc.as_ref(), &entry)?;
    writes.push(Write::delete(DRAFTS, key, draft_doc.revision));
    Ok(Plan {
        writes,
        value: version,
    })
}

/// The writes that make `version` the published one: current, history, audit, event.
fn publish_writes(
    version: &Version,
    current: Option<&Document>,
    entry: &AuditEntry,
) -> Result<Vec<Write>, ContentError> {
    let key = version.kind.key(&version.id);
    let event = EventEnvelope::new(
        PUBLISHED_EVENT,
        &key,
        json!({
            "kind": version.kind,
            "id": version.id,
            "version": version.version,
            "definition": version.definition,
        }),
    )
    .by(version.published_by);
    let body = encode(version);
    Ok(vec![
        Write::put_after(PUBLISHED, key, body.clone(), current),
        Write::insert(
            VERSIONS,
            version_key(version.kind, &version.id, version.version),
            body,
        ),
        audit_write(entry),
        outbox::enqueue(topics::CONTENT, &event)
            .map_err(|err| KitError::Internal(err.to_string()))?,
    ])
}

/// Publishes the draft of `kind`/`id` as the next version (admins only).
pub async fn publish(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    kind: ContentKind,
    id: &str,
) -> Result<Version, ContentError> {
    let plan = plan_publish(store, viewer, kind, id).await?;
    store.commit(plan.writes).await?;
    Ok(plan.value)
}

/// Throws away the draft of `kind`/`id` (admins only; `NO_DRAFT` when there is none).
pub async fn discard_draft(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    kind: ContentKind,
    id: &str,
) -> Result<(), ContentError> {
    let actor = require_admin(viewer)?;
    let key = kind.key(id);
    let Some(draft_doc) = store.get(DRAFTS, &key).await? else {
        return Err(ContentError::NoDraft(kind, id.to_string()));
    };
    let draft: Draft = decode(&draft_doc)?;
    let entry = audit(
        actor,
        AuditAction::DiscardDraft,
        kind,
        id,
        Some(draft.definition),
        None,
    );
    store
        .commit(vec![
            Write::delete(DRAFTS, key, draft_doc.revision),
            audit_write(&entry),
        ])
        .await?;
    Ok(())
}

/// Publishes the default catalogue as version 1 of each definition, unless the store
/// already holds a published definition. Two replicas starting at once race on the same
/// inserts: one commits, the other sees a conflict and leaves it. Returns whether this
/// call seeded.
pub async fn seed(store: &dyn DocumentStore) -> Result<bool, ContentError> {
    if !store
        .find(PUBLISHED, &Query::all().limit(1))
        .await?
        .is_empty()
    {
        return Ok(false);
    }
    let seeder = Uuid::nil();
    let now = Utc::now();
    let mut writes = Vec::new();
    for definition in crate::seed::catalogue() {
        let definition = definition.with_version(1);
        let version = Version {
            kind: definition.kind(),
            id: definition.id().to_string(),
            version: 1,
            definition: definition.to_json(),
            published_at: now,
            published_by: seeder,
        };
        let entry = audit(
            seeder,
            AuditAction::Seed,
            version.kind,
            &version.id,
            None,
            Some(version.definition.clone()),
        );
        writes.extend(publish_writes(&version, None, &entry)?);
    }
    match store.commit(writes).await {
        Ok(()) => Ok(true),
        Err(DocumentError::Conflict { .. }) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// The published version of `kind`/`id`, if any (resolvers go through the loader).
#[cfg(test)]
pub async fn published(
    store: &dyn DocumentStore,
    kind: ContentKind,
    id: &str,
) -> Result<Option<Version>, ContentError> {
    match store.get(PUBLISHED, &kind.key(id)).await? {
        Some(doc) => Ok(Some(decode(&doc)?)),
        None => Ok(None),
    }
}

/// Every published definition of `kind`, by id.
pub async fn published_of_kind(
    store: &dyn DocumentStore,
    kind: ContentKind,
) -> Result<Vec<Version>, ContentError> {
    let docs = store
        .find(PUBLISHED, &Query::all().eq("kind", kind.code()))
        .await?;
    docs.iter().map(decode).collect()
}

/// The published definitions among `keys` (`<KIND>:<id>`), by key.
pub async fn published_by_keys(
    store: &dyn DocumentStore,
    keys: &[String],
) -> Result<HashMap<String, Version>, ContentError> {
    let docs = store
        .find(PUBLISHED, &Query::all().ids(keys.to_vec()))
        .await?;
    docs.iter()
        .map(|doc| Ok((doc.id.clone(), decode(doc)?)))
        .collect()
}

/// Drafts (of `kind`, or all), by kind and id (admins only).
pub async fn drafts(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    kind: Option<ContentKind>,
) -> Result<Vec<Draft>, ContentError> {
    require_admin(viewer)?;
    let mut query = Query::all();
    if let Some(kind) = kind {
        query = query.eq("kind", kind.code());
    }
    let docs = store.find(DRAFTS, &query).await?;
    docs.iter().map(decode).collect()
}

/// Every published version of `kind`/`id`, newest first (admins only).
pub async fn versions(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    kind: ContentKind,
    id: &str,
) -> Result<Vec<Version>, ContentError> {
    require_admin(viewer)?;
    let docs = store
        .find(
            VERSIONS,
            &Query::all()
                .eq("kind", kind.code())
                .eq("id", id)
                .descending("version"),
        )
        .await?;
    docs.iter().map(decode).collect()
}

/// Up to `limit` audit entries (of `kind` and/or `definition_id`) after `after`, newest
/// first, and whether more follow (admins only).
pub async fn audit_log(
    store: &dyn DocumentStore,
    viewer: &Viewer,
    kind: Option<ContentKind>,
    definition_id: Option<&str>,
    limit: u64,
    after: Option<Cursor>,
) -> Result<(Vec<AuditEntry>, bool), ContentError> {
    require_admin(viewer)?;
    let mut query = Query::all().descending("at").limit(limit + 1);
    if let Some(kind) = kind {
        query = query.eq("kind", kind.code());
    }
    if let Some(id) = definition_id {
        query = query.eq("definitionId", id);
    }
    if let Some(after) = after {
        query = query.after(Position {
            value: after.at_ms.into(),
            id: after.id.to_string(),
        });
    }
    let docs = store.find(AUDIT, &query).await?;
    let mut entries: Vec<AuditEntry> = docs.iter().map(decode).collect::<Result<_, _>>()?;
    let more = entries.len() as u64 > limit;
    entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((entries, more))
}
