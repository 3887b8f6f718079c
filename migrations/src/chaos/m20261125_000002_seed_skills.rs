//! Seeds the demo skill catalogue: two to three skills per class, Fireball among them.

use sea_orm_migration::prelude::*;

/// Inserts the demo skills.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SkillDefinitions {
    Table,
    Id,
    Name,
    Class,
    UnlockLevel,
    Element,
    Scaling,
    MpCost,
    CooldownMs,
    Range,
    BaseDamage,
    PowerRatio,
    ReagentItem,
    Description,
}

/// (id, name, class, unlock level, element, scaling, mp, cooldown ms, range, base, ratio, reagent, description)
type SkillRow = (
    &'static str,
    &'static str,
    &'static str,
    i32,
    &'static str,
    &'static str,
    i32,
    i64,
    f64,
    i32,
    f64,
    Option<&'static str>,
    &'static str,
);

const SKILLS: &[SkillRow] = &[
    (
        "power_strike",
        "Power Strike",
        "WARRIOR",
        1,
        "PHYSICAL",
        "ATTACK",
        10,
        4_000,
        3.0,
        25,
        1.0,
        None,
        "A heavy blow with the main-hand weapon.",
    ),
    (
        "whirlwind",
        "Whirlwind",
        "WARRIOR",
        5,
        "PHYSICAL",
        "ATTACK",
        25,
        10_000,
        4.0,
        35,
        1.3,
        None,
        "Spin and strike everything around you.",
    ),
    (
        "fireball",
        "Fireball",
        "MAGE",
        1,
        "FIRE",
        "SPELL",
        25,
        3_000,
        30.0,
        40,
        1.2,
        None,
        "Hurl a ball of fire. Rain weakens it.",
    ),
    (
        "frost_bolt",
        "Frost Bolt",
        "MAGE",
        1,
        "ICE",
        "SPELL",
        20,
        2_500,
        25.0,
        30,
        1.0,
        None,
        "A shard of ice. Snow strengthens it.",
    ),
    (
        "meteor",
        "Meteor",
        "MAGE",
        10,
        "FIRE",
        "SPELL",
        60,
        20_000,
        35.0,
        120,
        2.0,
        Some("ember_shard"),
        "Call down a meteor; consumes an ember shard.",
    ),
    (
        "aimed_shot",
        "Aimed Shot",
        "RANGER",
        1,
        "PHYSICAL",
        "ATTACK",
        15,
        3_000,
        40.0,
        30,
        1.1,
        None,
        "A careful shot from afar.",
    ),
    (
        "chain_lightning",
        "Chain Lightning",
        "RANGER",
        8,
        "LIGHTNING",
        "SPELL",
        35,
        8_000,
        30.0,
        45,
        1.0,
        None,
        "Lightning that storms make fierce.",
    ),
    (
        "smite",
        "Smite",
        "CLERIC",
        1,
        "HOLY",
        "SPELL",
        15,
        3_000,
        20.0,
        28,
        1.0,
        None,
        "Holy light that weather cannot touch.",
    ),
    (
        "judgement",
        "Judgement",
        "CLERIC",
        6,
        "HOLY",
        "SPELL",
        40,
        12_000,
        20.0,
        70,
        1.5,
        None,
        "A verdict of radiant force.",
    ),
];

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert.into_table(SkillDefinitions::Table).columns([
            SkillDefinitions::Id,
            SkillDefinitions::Name,
            SkillDefinitions::Class,
            SkillDefinitions::UnlockLevel,
            SkillDefinitions::Element,
            SkillDefinitions::Scaling,
            SkillDefinitions::MpCost,
            SkillDefinitions::CooldownMs,
            SkillDefinitions::Range,
            SkillDefinitions::BaseDamage,
            SkillDefinitions::PowerRatio,
            SkillDefinitions::ReagentItem,
            SkillDefinitions::Description,
        ]);
        for &(
            id,
            name,
            class,
            unlock,
            element,
            scaling,
            mp,
            cooldown,
            range,
            base,
            ratio,
            reagent,
            description,
        ) in SKILLS
        {
            insert.values_panic([
                id.into(),
                name.into(),
                class.into(),
                unlock.into(),
                element.into(),
                scaling.into(),
                mp.into(),
                cooldown.into(),
                range.into(),
                base.into(),
                ratio.into(),
                reagent.map(str::to_string).into(),
                description.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ids: Vec<&str> = SKILLS.iter().map(|row| row.0).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(SkillDefinitions::Table)
                    .and_where(Expr::col(SkillDefinitions::Id).is_in(ids))
                    .to_owned(),
            )
            .await
    }
}
