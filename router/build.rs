//! Builds the GraphiQL page (`graphiql/`: GraphiQL, React and graphql-ws bundled by
//! esbuild) into `$OUT_DIR/graphiql.html`, which `src/graphiql.rs` embeds.
//!
//! The npm package is staged in `$OUT_DIR/graphiql-build` and installed there with
//! `npm ci` (the exact versions of `package-lock.json`): the source tree is never
//! written (it may be read-only), every target directory keeps its own `node_modules`,
//! and the install is redone only when the lockfile changes. Needs Node 20 and npm, as
//! the composer does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// The package's files besides `src/`.
const PACKAGE_FILES: [&str; 3] = ["package.json", "package-lock.json", "build.mjs"];

/// In the staging directory: the lockfile the current `node_modules` was installed from.
const INSTALLED_LOCK: &str = "installed-package-lock.json";

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let package = manifest_dir.join("graphiql");
    let staging = out_dir.join("graphiql-build");

    for file in PACKAGE_FILES {
        println!("cargo:rerun-if-changed={}", package.join(file).display());
    }
    // A directory: cargo watches every file under it.
    println!("cargo:rerun-if-changed={}", package.join("src").display());

    stage(&package, &staging);
    let lock = read(&package.join("package-lock.json"));
    let installed = staging.join(INSTALLED_LOCK);
    let up_to_date = staging.join("node_modules").is_dir()
        && fs::read(&installed).is_ok_and(|previous| previous == lock);
    if !up_to_date {
        // `--include=dev`: esbuild is a devDependency, and NODE_ENV=production would skip it.
        run(
            Command::new("npm")
                .args([
                    "ci",
                    "--include=dev",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                ])
                .current_dir(&staging),
            "npm ci",
        );
        fs::write(&installed, &lock).expect("records the installed lockfile in OUT_DIR");
    }
    run(
        Command::new("node")
            .arg("build.mjs")
            .arg(&out_dir)
            .current_dir(&staging),
        "node build.mjs",
    );
}

/// Copies the package (without `node_modules`) to `staging`; `src/` is replaced whole,
/// so a deleted source file does not linger.
fn stage(package: &Path, staging: &Path) {
    let src = staging.join("src");
    if src.exists() {
        fs::remove_dir_all(&src).expect("clears the staged src/ in OUT_DIR");
    }
    fs::create_dir_all(staging).expect("creates the staging directory in OUT_DIR");
    for file in PACKAGE_FILES {
        fs::copy(package.join(file), staging.join(file))
            .unwrap_or_else(|err| panic!("cannot copy router/graphiql/{file}: {err}"));
    }
    copy_dir(&package.join("src"), &src);
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("creates a staged directory in OUT_DIR");
    let entries =
        fs::read_dir(from).unwrap_or_else(|err| panic!("cannot read {}: {err}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|err| panic!("cannot read {}: {err}", from.display()));
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target)
                .unwrap_or_else(|err| panic!("cannot copy {}: {err}", path.display()));
        }
    }
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// Runs `command`, its output on stderr (stdout is cargo's: it reads `cargo:` lines
/// there); panics with what to do when it cannot start or fails.
fn run(command: &mut Command, what: &str) {
    let status = command
        .stdout(std::io::stderr())
        .status()
        .unwrap_or_else(|err| {
            panic!(
                "{what}: cannot run it ({err}). The router embeds a GraphiQL page built with \
             Node.js at compile time: install Node 20+ and npm (see README.md)"
            )
        });
    assert!(
        status.success(),
        "{what} failed ({status}) in router/graphiql (staged in OUT_DIR); its output is above"
    );
}
