//! The subgraphs' side: what every subgraph does first with a POSTed body, before its
//! schema is involved. The body is decoded as async-graphql-axum's `GraphQLRequest`
//! decodes a JSON body (a request or a batch, here a batch of one), then its document is
//! parsed with async-graphql's parser, as `Schema::execute` starts.
//!
//! Validation against a subgraph's schema is not included: async-graphql runs it only
//! inside `Schema::execute` (`check_rules` is crate-private), which goes on to run the
//! resolvers, and those need the service's database and peers.

/// Decodes `body` as a subgraph would and parses its document, if any. Nothing is
/// expected of the result: only panics (recorded by [`crate::panics`]) count.
pub fn decode_and_parse(body: &[u8]) {
    let Ok(batch) = serde_json::from_slice::<async_graphql::BatchRequest>(body) else {
        return;
    };
    let requests = match batch {
        async_graphql::BatchRequest::Single(request) => vec![request],
        async_graphql::BatchRequest::Batch(requests) => requests,
    };
    for request in requests {
        let _ = async_graphql::parser::parse_query(&request.query);
    }
}
