//! How the bytes of a fuzz input become a GraphQL request. Two shapes, told apart by the
//! separator byte [`SEPARATOR`] (ASCII "record separator", which no GraphQL document or
//! JSON text contains):
//!
//! - **body**: no separator. The bytes are the HTTP POST body as the router receives it
//!   (`{"query": …, "variables": …, "operationName": …, "extensions": …}`), valid JSON or
//!   not. This reaches the body decoding; mutations mostly stop there.
//! - **parts**: `document RS variables [RS operationName]`. The document and operation name
//!   become JSON strings (invalid UTF-8 replaced, as a client's JSON encoder would have to)
//!   and the variables bytes are put in the body verbatim, so a mutated document still
//!   arrives in a well-formed body and goes on to validation, planning and coercion.
//!   Variables that are not JSON make the body invalid on the wire; the in-process
//!   pipeline then runs without variables, so the document still goes deep.

use std::collections::HashMap;

use hive_router::executor::plugins::hooks::on_graphql_params::GraphQLParams;
use hive_router::sonic_rs;

/// Separates the document, variables and operation name in a **parts** input.
pub const SEPARATOR: u8 = 0x1e;

/// One request, as sent over HTTP and as handed to Hive's pipeline.
pub struct Request {
    /// The POST body.
    pub body: Vec<u8>,
    /// The document, variables and operation name of a **parts** input.
    parts: Option<(String, Vec<u8>, Option<String>)>,
}

impl Request {
    /// Reads `data` (see the module docs for its two shapes).
    pub fn from_bytes(data: &[u8]) -> Self {
        if !data.contains(&SEPARATOR) {
            return Self {
                body: data.to_vec(),
                parts: None,
            };
        }
        let mut parts = data.splitn(3, |byte| *byte == SEPARATOR);
        let document = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let variables = parts.next().unwrap_or_default().to_vec();
        let operation_name = parts
            .next()
            .map(|name| String::from_utf8_lossy(name).into_owned());

        let mut body = br#"{"query":"#.to_vec();
        body.extend_from_slice(json_string(&document).as_bytes());
        if !variables.is_empty() {
            body.extend_from_slice(br#","variables":"#);
            body.extend_from_slice(&variables);
        }
        if let Some(name) = &operation_name {
            body.extend_from_slice(br#","operationName":"#);
            body.extend_from_slice(json_string(name).as_bytes());
        }
        body.push(b'}');
        Self {
            body,
            parts: Some((document, variables, operation_name)),
        }
    }

    /// What Hive decodes from the request with its own `GraphQLParams` deserializer (the
    /// one its WebSocket transport uses; the HTTP one is private), or, for **parts**, the
    /// parts with the variables decoded alone; `None` when the body is not a GraphQL
    /// request. Decoding happens here, not in [`Request::from_bytes`], so that it runs
    /// where the pipeline runs: on a thread with a router worker's stack.
    pub fn params(&self) -> Option<GraphQLParams> {
        let Some((document, variables, operation_name)) = &self.parts else {
            return sonic_rs::from_slice::<GraphQLParams>(&self.body).ok();
        };
        Some(GraphQLParams {
            query: Some(document.clone()),
            operation_name: operation_name.clone(),
            variables: sonic_rs::from_slice::<HashMap<String, sonic_rs::Value>>(variables)
                .unwrap_or_default(),
            extensions: None,
        })
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_become_a_well_formed_body() {
        let request =
            Request::from_bytes(b"query Q($a: ID!) { actor(id: $a) { id } }\x1e{\"a\":\"1\"}\x1eQ");
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({
                "query": "query Q($a: ID!) { actor(id: $a) { id } }",
                "variables": { "a": "1" },
                "operationName": "Q",
            })
        );
        let params = request.params().expect("params");
        assert_eq!(params.operation_name.as_deref(), Some("Q"));
        assert_eq!(params.variables.len(), 1);
    }

    #[test]
    fn a_broken_document_is_escaped_and_broken_variables_are_sent_as_they_are() {
        let request = Request::from_bytes(b"{ me { \"\\\xff\x1e{\"a\":");
        assert_eq!(
            request.body,
            "{\"query\":\"{ me { \\\"\\\\\u{fffd}\",\"variables\":{\"a\":}".as_bytes()
        );
        let params = request.params().expect("params");
        assert!(params.variables.is_empty());
    }

    #[test]
    fn a_body_is_sent_as_it_is() {
        let data = br#"{"query":"{ me { id } }","variables":{"x":[1,2]}}"#;
        let request = Request::from_bytes(data);
        assert_eq!(request.body, data);
        assert_eq!(
            request
                .params()
                .expect("a GraphQL request")
                .query
                .as_deref(),
            Some("{ me { id } }")
        );
        assert!(Request::from_bytes(b"[1,2]").params().is_none());
    }
}
