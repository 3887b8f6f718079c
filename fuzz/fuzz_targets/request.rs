//! The libFuzzer target for the router's request path ([`chaos_fuzz::request`]):
//!
//! ```sh
//! cargo install cargo-fuzz    # once
//! cargo +nightly fuzz run request fuzz/corpus/request -- -max_total_time=600
//! ```
//!
//! Built without cargo-fuzz (no `cfg(fuzzing)`), as in every workspace build on stable, it
//! replays the files it is given, once each: a crash file from the smoke run or from
//! libFuzzer (`cargo run -p chaos-fuzz --bin request -- <file>...`).

#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chaos_fuzz::request(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    let files: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    if files.is_empty() {
        eprintln!("usage: request <input file>...");
        return std::process::ExitCode::from(2);
    }
    for file in files {
        let data = match std::fs::read(&file) {
            Ok(data) => data,
            Err(err) => {
                eprintln!("cannot read {}: {err}", file.display());
                return std::process::ExitCode::FAILURE;
            }
        };
        match chaos_fuzz::check(&data, true) {
            Ok(outcome) => println!("{}: ok, {outcome:?}", file.display()),
            Err(failure) => {
                eprintln!("{}: FAILED: {failure}", file.display());
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
