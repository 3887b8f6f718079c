//! A small deterministic mutator for the smoke run: from a seed, the same inputs every
//! time, so a failure in the test command reproduces with the same seed (and is written
//! out as a file anyway). It has no coverage feedback (that is libFuzzer's job with
//! `cargo fuzz run`; the smoke run only mutates further the inputs that got past
//! validation); instead it knows the shape of the inputs: byte flips and
//! interesting bytes, deletions, duplications and truncations, splices of other corpus
//! entries, GraphQL and JSON tokens and the supergraph's own names inserted, chunks
//! repeated (long lists, many fields or aliases) and brackets nested thousands deep, 1 to
//! 8 of them stacked.

use std::collections::BTreeSet;

use crate::input::SEPARATOR;

/// Inputs are kept a little over the router's 64 KB body limit, so that limit is
/// exercised but no time goes on giant inputs.
pub const MAX_INPUT: usize = 80 * 1024;

/// Tokens worth inserting: GraphQL syntax, directives, introspection, JSON structure and
/// values at the edges of their types, and the input separator.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "=",
    "@",
    "$",
    "!",
    "|",
    "&",
    ",",
    "...",
    "... on ",
    "...F ",
    "fragment F on Query { __typename } ",
    "fragment F on Actor { id } ",
    "query ",
    "mutation ",
    "subscription ",
    "query Q ",
    "__typename ",
    "__schema { types { name } } ",
    "__type(name: \"Actor\") { fields { name } } ",
    "@include(if: $v) ",
    "@skip(if: true) ",
    "@defer ",
    "@stream ",
    "@deprecated ",
    "$v: Boolean = true ",
    "($v: [[ID!]!]) ",
    "(first: 100) ",
    "(first: -1) ",
    "a: ",
    "alias: id ",
    "\"",
    "\"\"\"",
    "\\u0000",
    "\\uD800",
    "\\",
    "#",
    "\n",
    "\r\n",
    "\t",
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1e308",
    "1e309",
    "-1.5e-320",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "NaN",
    "\"\\ud83d\\ude00\"",
    "{\"",
    "\":",
    "\":{",
    "\":[",
    "[[[[",
    "]]]]",
    "{}",
    "[]",
    "\"query\":",
    "\"variables\":",
    "\"operationName\":",
    "\"extensions\":",
    "\"documentId\":\"x\"",
    "\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"00\"}}",
    "\u{1e}",
];

/// Brackets to nest: JSON arrays and objects, GraphQL selection sets and values.
const NESTING: &[(&str, &str)] = &[("[", "]"), ("{\"a\":", "}"), ("{a", "}"), ("{a:", "}")];

/// Bytes worth writing over another.
const INTERESTING_BYTES: &[u8] = &[
    0, 0xff, 0x7f, 0x80, b'{', b'}', b'(', b')', b'[', b']', b'"', b'\\', b'$', b'@', b'.', b':',
    b',', b'!', b'#', b' ', b'\n', b'0', b'9', b'-', b'e', b'a', b'_', SEPARATOR,
];

/// SplitMix64: small, fast, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next_u64() % bound as u64) as usize
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: usize, denominator: usize) -> bool {
        self.below(denominator) < numerator
    }
}

/// Makes new inputs from a corpus.
pub struct Mutator {
    rng: Rng,
    dictionary: Vec<Vec<u8>>,
}

impl Mutator {
    /// A mutator starting from `seed`, whose dictionary is [`TOKENS`] plus every name in
    /// `names_from` (e.g. the supergraph's SDL: types, fields, arguments, enum values).
    pub fn new(seed: u64, names_from: &str) -> Self {
        let names: BTreeSet<&str> = names_from
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| word.len() > 1 && !word.starts_with(|c: char| c.is_ascii_digit()))
            .collect();
        let dictionary = TOKENS
            .iter()
            .map(|token| token.as_bytes().to_vec())
            .chain(
                names
                    .into_iter()
                    .map(|name| format!("{name} ").into_bytes()),
            )
            .collect();
        Self {
            rng: Rng::new(seed),
            dictionary,
        }
    }

    /// A new input: a corpus entry with 1 to 8 mutations.
    pub fn mutate(&mut self, corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut data = corpus
            .get(self.rng.below(corpus.len()))
            .cloned()
            .unwrap_or_default();
        let rounds = if self.rng.chance(1, 4) {
            1 + self.rng.below(8)
        } else {
            1 + self.rng.below(2)
        };
        for _ in 0..rounds {
            self.mutate_once(&mut data, corpus);
        }
        data.truncate(MAX_INPUT);
        data
    }

    fn mutate_once(&mut self, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let rng = &mut self.rng;
        let at = rng.below(data.len() + 1);
        match rng.below(11) {
            // Flip one bit.
            0 if !data.is_empty() => {
                let at = rng.below(data.len());
                data[at] ^= 1 << rng.below(8);
            }
            // Overwrite a byte with an interesting one.
            1 if !data.is_empty() => {
                let at = rng.below(data.len());
                data[at] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
            }
            // Delete a range.
            2 => {
                let len = rng.below((data.len() - at).min(64) + 1);
                data.drain(at..at + len);
            }
            // Duplicate a range in place.
            3 => {
                let len = rng.below((data.len() - at).min(256) + 1);
                let chunk = data[at..at + len].to_vec();
                insert(data, at, &chunk);
            }
            // Truncate.
            4 => data.truncate(at),
            // Splice in a piece of another corpus entry.
            5 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len() + 1);
                let len = rng.below((other.len() - from).min(512) + 1);
                insert(data, at, &other[from..from + len]);
            }
            // Replace a range with a token or a name.
            6 => {
                let token = self.dictionary[rng.below(self.dictionary.len())].clone();
                let len = rng.below((data.len() - at).min(16) + 1);
                data.splice(at..at + len, token);
            }
            // Repeat a short chunk many times: nesting, long lists, many fields or aliases.
            7 => {
                let len = 1 + rng.below((data.len() - at).min(16));
                let chunk = if at + len <= data.len() && len > 0 {
                    data[at..at + len].to_vec()
                } else {
                    self.dictionary[rng.below(self.dictionary.len())].clone()
                };
                let many = rng.chance(1, 4);
                let times = 2 + rng.below(if many { 3000 } else { 60 });
                let repeated = chunk.repeat(times.min(MAX_INPUT / chunk.len().max(1)));
                insert(data, at, &repeated);
            }
            // Nest deep: thousands of brackets opened and closed (JSON values, GraphQL
            // selections and list values), as deep as the size bound allows.
            8 => {
                let (open, close) = NESTING[rng.below(NESTING.len())];
                let most =
                    (MAX_INPUT.saturating_sub(data.len()) / (open.len() + close.len())).max(1);
                let depth = 1 + rng.below(most);
                let nested = [open.repeat(depth), close.repeat(depth)].concat();
                insert(data, at, nested.as_bytes());
            }
            // Insert a token or a name (the common case, so twice the weight).
            _ => {
                let token = self.dictionary[rng.below(self.dictionary.len())].clone();
                insert(data, at, &token);
            }
        }
    }
}

fn insert(data: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    data.splice(at..at, bytes.iter().copied());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<Vec<u8>> {
        vec![
            b"{ me { id username } }\x1e{}".to_vec(),
            br#"{"query":"query($a: ID!) { actor(id: $a) { level } }","variables":{"a":"1"}}"#
                .to_vec(),
            Vec::new(),
        ]
    }

    #[test]
    fn the_same_seed_makes_the_same_inputs() {
        let (mut one, mut other) = (
            Mutator::new(7, "type Actor { id: ID! }"),
            Mutator::new(7, "type Actor { id: ID! }"),
        );
        let corpus = corpus();
        for _ in 0..1000 {
            assert_eq!(one.mutate(&corpus), other.mutate(&corpus));
        }
        let mut third = Mutator::new(8, "type Actor { id: ID! }");
        assert!((0..100).any(|_| one.mutate(&corpus) != third.mutate(&corpus)));
    }

    #[test]
    fn inputs_stay_within_the_size_bound_and_vary() {
        let mut mutator = Mutator::new(1, "type Actor { id: ID! level: Int! }");
        let corpus = corpus();
        let inputs: BTreeSet<Vec<u8>> = (0..5000)
            .map(|_| {
                let input = mutator.mutate(&corpus);
                assert!(input.len() <= MAX_INPUT);
                input
            })
            .collect();
        assert!(inputs.len() > 4000, "only {} distinct inputs", inputs.len());
    }

    #[test]
    fn the_dictionary_holds_the_schema_names() {
        let mutator = Mutator::new(1, "type Actor { experienceForNextLevel: Int! }");
        assert!(mutator
            .dictionary
            .contains(&b"experienceForNextLevel ".to_vec()));
        assert!(!mutator.dictionary.contains(&b"1 ".to_vec()));
    }
}
