//! Declares `cfg(fuzzing)` (set by cargo-fuzz) so the lint on unknown cfgs accepts it.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}
