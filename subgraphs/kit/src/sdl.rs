//! Exporting a subgraph's federated SDL for composition.
//!
//! async-graphql imports the Federation 2 directives it knows (`@key`, `@requiresScopes`,
//! …) but not `@authenticated`; fields carry it through the [`authenticated`] type
//! directive, and [`federated_sdl`] turns that local definition into an import from the
//! federation spec, so the router enforces it.

use async_graphql::{ObjectType, SDLExportOptions, Schema, SubscriptionType};

pub use directives::authenticated;

mod directives {
    // The macro generates a struct and function without docs.
    #![allow(missing_docs)]

    /// Marks a field as requiring a valid access token; enforced by the router.
    /// Resolvers still check the viewer themselves (defense in depth).
    #[async_graphql::TypeDirective(location = "FieldDefinition", location = "Object")]
    pub fn authenticated() {}
}

/// The federated SDL of `schema`, as committed under `schema/subgraphs/`.
pub fn federated_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let sdl = schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive());
    let mut lines: Vec<String> = Vec::new();
    for line in sdl.lines() {
        if line.starts_with("directive @authenticated ") {
            // Drop the definition with its description block.
            if lines.last().is_some_and(|l| l.trim() == "\"\"\"") {
                lines.pop();
                while let Some(removed) = lines.pop() {
                    if removed.trim() == "\"\"\"" {
                        break;
                    }
                }
            }
            continue;
        }
        if line.contains("import: [\"@key\"") && !line.contains("\"@authenticated\"") {
            lines.push(line.replacen(
                "\"@requiresScopes\"",
                "\"@requiresScopes\", \"@authenticated\"",
                1,
            ));
        } else {
            lines.push(line.to_string());
        }
    }
    let mut out = lines.join("\n");
    // Collapse the blank lines left where definitions were removed.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.trim().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object};

    struct Query;

    #[Object]
    impl Query {
        /// Needs a token.
        #[graphql(directive = authenticated::apply())]
        async fn secret(&self) -> i32 {
            1
        }
    }

    #[test]
    fn authenticated_is_imported_from_federation_not_defined_locally() {
        let sdl = federated_sdl(
            &Schema::build(Query, EmptyMutation, EmptySubscription)
                .enable_federation()
                .finish(),
        );
        assert!(sdl.contains("secret: Int! @authenticated"), "{sdl}");
        assert!(
            sdl.contains("\"@requiresScopes\", \"@authenticated\"]"),
            "{sdl}"
        );
        assert!(!sdl.contains("directive @authenticated"), "{sdl}");
        assert!(!sdl.contains("Marks a field as requiring"), "{sdl}");
    }
}
