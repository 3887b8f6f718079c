//! The federated schema of the content service: the five definition types (`@key(id)`,
//! published versions only), player queries, and the admin-only draft / publish / audit
//! operations (`@requiresScopes(admin)`, checked again here). Resolvers call
//! [`crate::service`].

use std::sync::Arc;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, EmptySubscription, Json, Object, Schema, SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use subgraph_kit::dataloader::{load_failed, loader};
use subgraph_kit::documents::outbox::OutboxSignal;
use subgraph_kit::documents::DocumentStore;
use subgraph_kit::pagination::{Cursor, PageLimits};
use subgraph_kit::{ApiResult, ContextAuthExt, KitError};

use crate::loaders::PublishedByKey;
use crate::model::{
    ContentKind, Definition, EventDefinition, ItemDefinition, Recipe, SkillDefinition,
    ZoneDefinition,
};
use crate::service::{self, AuditAction, Version};

/// The executable content schema.
pub type ContentSchema = Schema<Query, Mutation, EmptySubscription>;

const AUDIT_PAGES: PageLimits = PageLimits {
    default: 50,
    max: 200,
};

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The document store.
    pub store: Arc<dyn DocumentStore>,
    /// Wakes the outbox relay after a publish.
    pub outbox: OutboxSignal,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> ContentSchema {
    subgraph_kit::server::federated_schema(Query, Mutation, EmptySubscription, deps)
}

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

fn store<'a>(ctx: &Context<'a>) -> &'a dyn DocumentStore {
    deps(ctx).store.as_ref()
}

/// The published definition of `kind`/`id`, typed, through the request's loader.
async fn published<T: DeserializeOwned>(
    ctx: &Context<'_>,
    kind: ContentKind,
    id: &str,
) -> ApiResult<Option<T>> {
    let version = loader::<PublishedByKey>(ctx)?
        .load_one(kind.key(id))
        .await
        .map_err(load_failed)?;
    version.map(|v| typed(&v)).transpose()
}

async fn published_all<T: DeserializeOwned>(
    ctx: &Context<'_>,
    kind: ContentKind,
) -> ApiResult<Vec<T>> {
    service::published_of_kind(store(ctx), kind)
        .await?
        .iter()
        .map(typed)
        .collect()
}

fn typed<T: DeserializeOwned>(version: &Version) -> ApiResult<T> {
    serde_json::from_value(version.definition.clone()).map_err(|err| {
        KitError::Internal(format!(
            "stored definition {} unreadable: {err}",
            version.id
        ))
        .into()
    })
}

/// An unpublished edit of a definition (admins only).
pub struct ContentDraft(service::Draft);

#[Object]
impl ContentDraft {
    /// Kind of the definition.
    async fn kind(&self) -> ContentKind {
        self.0.kind
    }
    /// Definition id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The edited definition, as the matching input type.
    async fn definition(&self) -> Json<&Value> {
        Json(&self.0.definition)
    }
    /// The version published when the draft was saved; null if never published.
    async fn published_version(&self) -> Option<i32> {
        self.0.published_version
    }
    /// When it was last saved.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The admin (user id) who last saved it.
    async fn updated_by(&self) -> ID {
        ID(self.0.updated_by.to_string())
    }
}

/// One published version of a definition.
pub struct ContentVersion(Version);

#[Object]
impl ContentVersion {
    /// Kind of the definition.
    async fn kind(&self) -> ContentKind {
        self.0.kind
    }
    /// Definition id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// 1, 2, …
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The definition as published (the matching type's fields, with `version`).
    async fn definition(&self) -> Json<&Value> {
        Json(&self.0.definition)
    }
    /// When it was published.
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
    /// The admin (user id) who published it; the nil UUID for the seeded catalogue.
    async fn published_by(&self) -> ID {
        ID(self.0.published_by.to_string())
    }
}

/// One admin change to the catalogue.
pub struct AuditEntry(service::AuditEntry);

#[Object]
impl AuditEntry {
    /// Entry id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who (user id; the nil UUID for the seed).
    async fn actor_user_id(&self) -> ID {
        ID(self.0.actor_user_id.to_string())
    }
    /// What.
    async fn action(&self) -> AuditAction {
        self.0.action
    }
    /// Kind of the definition.
    async fn kind(&self) -> ContentKind {
        self.0.kind
    }
    /// Definition id.
    async fn definition_id(&self) -> ID {
        ID(self.0.definition_id.clone())
    }
    /// The definition before (the previous draft, else the published one), if any.
    async fn before(&self) -> Option<Json<&Value>> {
        self.0.before.as_ref().map(Json)
    }
    /// The definition after, if any.
    async fn after(&self) -> Option<Json<&Value>> {
        self.0.after.as_ref().map(Json)
    }
}

/// A page of the audit log, newest first.
#[derive(SimpleObject)]
pub struct AuditLogPage {
    /// The entries.
    entries: Vec<AuditEntry>,
    /// Where the next page starts (`endCursor`) and whether there is one.
    page_info: PageInfo,
}

/// Queries of the content service.
pub struct Query;

#[Object]
impl Query {
    /// A published item definition.
    async fn item_definition(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<ItemDefinition>> {
        published(ctx, ContentKind::Item, &id).await
    }

    /// Every published item definition, by id.
    async fn item_definitions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ItemDefinition>> {
        published_all(ctx, ContentKind::Item).await
    }

    /// A published skill definition.
    async fn skill_definition(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<SkillDefinition>> {
        published(ctx, ContentKind::Skill, &id).await
    }

    /// Every published skill definition, by id.
    async fn skill_definitions(&self, ctx: &Context<'_>) -> ApiResult<Vec<SkillDefinition>> {
        published_all(ctx, ContentKind::Skill).await
    }

    /// A published recipe.
    async fn recipe(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Recipe>> {
        published(ctx, ContentKind::Recipe, &id).await
    }

    /// Every published recipe, by id.
    async fn recipes(&self, ctx: &Context<'_>) -> ApiResult<Vec<Recipe>> {
        published_all(ctx, ContentKind::Recipe).await
    }

    /// A published zone definition.
    async fn zone_definition(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<ZoneDefinition>> {
        published(ctx, ContentKind::Zone, &id).await
    }

    /// Every published zone definition, by id.
    async fn zone_definitions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ZoneDefinition>> {
        published_all(ctx, ContentKind::Zone).await
    }

    /// A published live event definition.
    async fn event_definition(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<EventDefinition>> {
        published(ctx, ContentKind::Event, &id).await
    }

    /// Every published live event definition, by id.
    async fn event_definitions(&self, ctx: &Context<'_>) -> ApiResult<Vec<EventDefinition>> {
        published_all(ctx, ContentKind::Event).await
    }

    /// Drafts (of one kind, or all), by kind and id. Admins only.
    #[graphql(requires_scopes = "admin")]
    async fn content_drafts(
        &self,
        ctx: &Context<'_>,
        kind: Option<ContentKind>,
    ) -> ApiResult<Vec<ContentDraft>> {
        let viewer = ctx.viewer()?;
        viewer.require_scope("admin")?;
        Ok(service::drafts(store(ctx), viewer, kind)
            .await?
            .into_iter()
            .map(ContentDraft)
            .collect())
    }

    /// Every published version of a definition, newest first. Admins only.
    #[graphql(requires_scopes = "admin")]
    async fn content_versions(
        &self,
        ctx: &Context<'_>,
        kind: ContentKind,
        id: ID,
    ) -> ApiResult<Vec<ContentVersion>> {
        let viewer = ctx.viewer()?;
        viewer.require_scope("admin")?;
        Ok(service::versions(store(ctx), viewer, kind, &id)
            .await?
            .into_iter()
            .map(ContentVersion)
            .collect())
    }

    /// The audit log (of one kind and/or definition), newest first, `first` entries
    /// (default 50, at most 200) after the cursor `after`. Admins only.
    #[graphql(requires_scopes = "admin")]
    async fn content_audit_log(
        &self,
        ctx: &Context<'_>,
        kind: Option<ContentKind>,
        definition_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<AuditLogPage> {
        let viewer = ctx.viewer()?;
        viewer.require_scope("admin")?;
        let limit = AUDIT_PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let (entries, has_next_page) = service::audit_log(
            store(ctx),
            viewer,
            kind,
            definition_id.as_ref().map(|id| id.as_str()),
            limit,
            after,
        )
        .await?;
        let page_info = PageInfo {
            has_previous_page: after.is_some(),
            has_next_page,
            start_cursor: entries.first().map(|e| e.cursor().encode()),
            end_cursor: entries.last().map(|e| e.cursor().encode()),
        };
        Ok(AuditLogPage {
            entries: entries.into_iter().map(AuditEntry).collect(),
            page_info,
        })
    }

    /// Resolves `ItemDefinition` references (published versions only).
    #[graphql(entity)]
    async fn find_item_definition_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<ItemDefinition>> {
        published(ctx, ContentKind::Item, &id).await
    }

    /// Resolves `SkillDefinition` references (published versions only).
    #[graphql(entity)]
    async fn find_skill_definition_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<SkillDefinition>> {
        published(ctx, ContentKind::Skill, &id).await
    }

    /// Resolves `Recipe` references (published versions only).
    #[graphql(entity)]
    async fn find_recipe_by_id(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Recipe>> {
        published(ctx, ContentKind::Recipe, &id).await
    }

    /// Resolves `ZoneDefinition` references (published versions only).
    #[graphql(entity)]
    async fn find_zone_definition_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<ZoneDefinition>> {
        published(ctx, ContentKind::Zone, &id).await
    }

    /// Resolves `EventDefinition` references (published versions only).
    #[graphql(entity)]
    async fn find_event_definition_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<EventDefinition>> {
        published(ctx, ContentKind::Event, &id).await
    }
}

/// Admin mutations of the content service: edit drafts, publish them, discard them.
/// Every one is audited in the same atomic commit as its change.
pub struct Mutation;

async fn save(ctx: &Context<'_>, definition: Definition) -> ApiResult<ContentDraft> {
    let viewer = ctx.viewer()?;
    viewer.require_scope("admin")?;
    let draft = service::save_draft(store(ctx), viewer, definition).await?;
    Ok(ContentDraft(draft))
}

#[Object]
impl Mutation {
    /// Saves the draft of an item definition (replacing its previous draft). Players
    /// see it only once published.
    #[graphql(requires_scopes = "admin")]
    async fn save_item_draft(
        &self,
        ctx: &Context<'_>,
        input: ItemDefinition,
    ) -> ApiResult<ContentDraft> {
        save(ctx, Definition::Item(input)).await
    }

    /// Saves the draft of a skill definition.
    #[graphql(requires_scopes = "admin")]
    async fn save_skill_draft(
        &self,
        ctx: &Context<'_>,
        input: SkillDefinition,
    ) -> ApiResult<ContentDraft> {
        save(ctx, Definition::Skill(input)).await
    }

    /// Saves the draft of a recipe (its items must be published).
    #[graphql(requires_scopes = "admin")]
    async fn save_recipe_draft(&self, ctx: &Context<'_>, input: Recipe) -> ApiResult<ContentDraft> {
        save(ctx, Definition::Recipe(input)).await
    }

    /// Saves the draft of a zone definition.
    #[graphql(requires_scopes = "admin")]
    async fn save_zone_draft(
        &self,
        ctx: &Context<'_>,
        input: ZoneDefinition,
    ) -> ApiResult<ContentDraft> {
        save(ctx, Definition::Zone(input)).await
    }

    /// Saves the draft of a live event definition.
    #[graphql(requires_scopes = "admin")]
    async fn save_event_draft(
        &self,
        ctx: &Context<'_>,
        input: EventDefinition,
    ) -> ApiResult<ContentDraft> {
        save(ctx, Definition::Event(input)).await
    }

    /// Publishes the current draft of a definition as its next version (`NO_DRAFT`
    /// without one) and announces it (`content.published`).
    #[graphql(requires_scopes = "admin")]
    async fn publish_content(
        &self,
        ctx: &Context<'_>,
        kind: ContentKind,
        id: ID,
    ) -> ApiResult<ContentVersion> {
        let viewer = ctx.viewer()?;
        viewer.require_scope("admin")?;
        let version = service::publish(store(ctx), viewer, kind, &id).await?;
        deps(ctx).outbox.committed();
        Ok(ContentVersion(version))
    }

    /// Throws away the draft of a definition (`NO_DRAFT` without one).
    #[graphql(requires_scopes = "admin")]
    async fn discard_draft(&self, ctx: &Context<'_>, kind: ContentKind, id: ID) -> ApiResult<bool> {
        let viewer = ctx.viewer()?;
        viewer.require_scope("admin")?;
        service::discard_draft(store(ctx), viewer, kind, &id).await?;
        Ok(true)
    }
}
